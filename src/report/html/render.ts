import type { RecordedLlmRequest } from '../../llm/index.ts';
import type {
  Diagnosis,
  ExpectationResult,
  RunResult,
  ScenarioResult,
  ScenarioStatus,
  StepRecord,
  TurnRecord,
} from '../../types/results.ts';
import { plain, plural } from '../../util/text.ts';
import { RUNG_NAMES } from '../../verdict/failure-table.ts';
import { diagnosisText } from '../diagnosis.ts';
import {
  changeText,
  expectationText,
  formatLocation,
  relativeTo,
  saidInText,
  servedText,
  turnsOf,
} from '../evidence.ts';
import { SCRIPT, STYLE } from './assets.ts';
import { esc } from './escape.ts';
import { highlight, type Needle } from './highlight.ts';
import { lanesOf, timelineSvg, turnAnchor } from './timeline.ts';

export interface HtmlOptions {
  /** Paths under it are shown relative to it. */
  cwd?: string;
  /** The page's title. @default 'amnesia report' */
  title?: string;
}

const STATUS_TEXT: Record<ScenarioStatus, string> = {
  passed: '✓ passed',
  failed: '✗ failed',
  error: '! error',
  skipped: '– skipped',
};

/**
 * The run as one self-contained HTML page (inline CSS and script, no network): a summary, filters
 * and a search over prompts, and per scenario a swimlane timeline of its turns and disruptions, the
 * probe ladder and the failure table's row, and each turn's evidence — the prompt the app sent the
 * LLM with every expected fact marked where it is and named where it is missing.
 *
 * @example
 * await writeFile('amnesia.html', renderHtml(result, { cwd: process.cwd() }));
 */
export function renderHtml(r: RunResult, o: HtmlOptions = {}): string {
  const counts = countBy(r.scenarios);
  const title = o.title ?? 'amnesia report';
  const verdict =
    r.exitCode === 0
      ? 'all passed'
      : counts.error > 0
        ? 'errors'
        : counts.failed > 0
          ? 'failed'
          : 'not passed';
  const body = [
    `<header><h1>${esc(title)}</h1>`,
    `<div class="summary"><span class="counts">${(['passed', 'failed', 'error', 'skipped'] as const)
      .map(
        (s) =>
          `<span class="${s === 'passed' ? 'ok' : s === 'skipped' ? '' : s === 'error' ? 'warn' : 'bad'}">${counts[s]} ${s}</span>`,
      )
      .join('')}</span>`,
    `<span>${esc(plural(r.scenarios.length, 'scenario'))} · ${esc(verdict)} (exit ${r.exitCode})</span>`,
    `<span>run ${esc(r.runId)} · seed ${r.seed} · ${esc(new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19))} UTC · ${seconds(r.durationMs)}</span>`,
    r.configFile ? `<span>config <code>${esc(relativeTo(r.configFile, o.cwd))}</code></span>` : '',
    r.shard ? `<span>shard ${r.shard.index}/${r.shard.total}</span>` : '',
    `<button id="theme" type="button" title="Switch the colour theme (t)">Theme</button></div>`,
    sharedPathsNote(r),
    '</header>',
    toolbar(r),
    '<main>',
    r.probe
      ? probeSection(
          r.probe.diagnosis,
          `Probe ladder (${r.probe.topology.replicas} × ${r.probe.topology.workers})`,
        )
      : '',
    ...r.scenarios.map((s) => scenarioSection(s, o)),
    '</main>',
    '<footer class="toolbar"><span class="meta">Keys: j/k next/previous scenario · / search (Escape leaves it) · t theme. Written by amnesia; this page makes no network request.</span></footer>',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(`${title}: ${counts.passed} passed, ${counts.failed} failed, ${counts.error} errors`)}</title>
<style>${STYLE}</style></head>
<body>${body.join('\n')}
<script>${SCRIPT}</script></body></html>
`;
}

function countBy(scenarios: readonly ScenarioResult[]): Record<ScenarioStatus, number> {
  const c: Record<ScenarioStatus, number> = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const s of scenarios) c[s.status]++;
  return c;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function sharedPathsNote(r: RunResult): string {
  if (!r.sharedPaths?.length) return '';
  return `<p class="notice">Every replica shares ${r.sharedPaths.map((p) => `<code>${esc(p.path)}</code> (${esc(p.env)})`).join(', ')}: a cross-replica scenario can pass here where production, without such a volume, would lose memory.</p>`;
}

function toolbar(r: RunResult): string {
  const tags = [...new Set(r.scenarios.flatMap((s) => s.tags))].sort();
  const sessions = [...new Set(r.scenarios.flatMap((s) => turnsOf(s).map((t) => t.session)))].sort();
  const workers = [...new Set(r.scenarios.flatMap(lanesOf))].sort();
  const select = (id: string, label: string, values: string[]) =>
    `<label for="${id}">${label}</label><select id="${id}"><option value="">all</option>${values
      .map((v) => `<option>${esc(v)}</option>`)
      .join('')}</select>`;
  return `<nav class="toolbar" aria-label="Filters">
<label><input type="checkbox" id="f-failed"${r.exitCode === 0 ? '' : ' checked'}> failed only</label>
${select('f-tag', 'tag', tags)} ${select('f-session', 'session', sessions)} ${select('f-worker', 'worker', workers)}
<label for="f-search">search prompts</label><input type="search" id="f-search" placeholder="a fact, a message…">
<span id="f-count" class="meta" aria-live="polite"></span></nav>`;
}

function scenarioSection(s: ScenarioResult, o: HtmlOptions): string {
  const head = `<header><span class="badge ${s.status}">${STATUS_TEXT[s.status]}</span><h2 id="s-${esc(s.slug)}-title">${esc(s.name)}</h2><span class="loc">${esc(relativeTo(s.file, o.cwd))}</span></header>`;
  const meta = `<p class="meta">${s.topology.replicas} × ${s.topology.workers} · routing ${esc(s.routing)} · seed ${s.seed} · ${seconds(s.durationMs)}${s.tags.length ? ` · tags ${esc(s.tags.join(', '))}` : ''}</p>`;
  const description = s.description ? `<p>${esc(s.description)}</p>` : '';
  const timeline = timelineSvg(s);
  return `<section class="scenario" id="s-${esc(s.slug)}" data-status="${s.status}" data-tags="${esc(s.tags.join(' '))}" tabindex="-1" aria-labelledby="s-${esc(s.slug)}-title">
${head}${meta}${description}${notices(s, o)}
${timeline ? `<figure class="timeline-figure"><div class="timeline">${timeline}</div><figcaption>One lane per worker; each mark a turn on the worker that served it (green kept, red failed: click for its evidence); each band a disruption across the workers it hit.</figcaption></figure>` : ''}
${diagnosisSection(s)}
<h3>Steps</h3><ol class="steps">${s.steps.map((st) => stepItem(s, st, o)).join('')}</ol>
${footerLine(s, o)}
</section>`;
}

function footerLine(s: ScenarioResult, o: HtmlOptions): string {
  const parts = [
    s.artifactsDir ? `artifacts <code>${esc(relativeTo(s.artifactsDir, o.cwd))}</code>` : '',
    s.replay ? `replay <code>${esc(s.replay)}</code>` : '',
  ].filter(Boolean);
  return parts.length ? `<p class="meta">${parts.join(' · ')}</p>` : '';
}

function notices(s: ScenarioResult, o: HtmlOptions): string {
  const out: string[] = [];
  if (s.error)
    out.push(
      `<p class="notice"><strong>error ${esc(s.error.code)}:</strong> ${esc(plain(s.error.message))}</p>`,
    );
  if (s.stopped)
    out.push(
      `<p class="notice">stopped at ${esc(s.stopped.at)}${s.stopped.notRun.length ? `; did not run: ${esc(s.stopped.notRun.join(', '))}` : ''}</p>`,
    );
  for (const v of s.vacuous)
    out.push(
      `<p class="notice">vacuous recall <code>${esc(v.expected)}</code> (${esc(formatLocation(v.at, o.cwd))}): a fresh session asking “${esc(v.question)}” already had it in ${esc(v.foundIn)}: “${esc(v.excerpt)}”</p>`,
    );
  for (const l of s.leaks)
    out.push(
      `<p class="notice bad"><strong>leak:</strong> ${esc(l.from.label)} (${esc(l.from.worker)}) said “${esc(l.text)}”, and it reached ${esc(l.into.label)}'s prompt on ${esc(l.into.worker)}</p>`,
    );
  return out.join('');
}

function diagnosisSection(s: ScenarioResult): string {
  const d = diagnosisText(s);
  if (!d) return '';
  const parts = ['<h3>Diagnosis</h3>'];
  if (s.diagnosis) parts.push(ladder(s.diagnosis));
  if (d.findings.length) parts.push(`<ul>${d.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`);
  if (d.notes.length) parts.push(`<p class="meta">${d.notes.map(esc).join('<br>')}</p>`);
  if (d.advice.length)
    parts.push(
      `<p><strong>What to change</strong></p><ul>${d.advice.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>`,
    );
  return parts.join('');
}

function probeSection(d: Diagnosis, title: string): string {
  const rows = d.rows.length
    ? `<ul>${d.rows.map((r) => `<li>row ${esc(r.id)}: ${esc(r.cause)}</li>`).join('')}</ul>`
    : '<p>No row of the failure table matches.</p>';
  return `<section class="scenario" id="probe" data-status="${d.rows.length || !d.reproduced ? 'failed' : 'passed'}" data-tags="" tabindex="-1" aria-labelledby="probe-title"><header><h2 id="probe-title">${esc(title)}</h2></header>${ladder(d)}${rows}<p>→ ${esc(d.advice)}</p></section>`;
}

/** The probe ladder as a row of rungs: what a fact said on r1w1 did at each. */
function ladder(d: Diagnosis): string {
  return `<ul class="ladder" aria-label="Probe ladder: ${esc(d.signature)}">${d.rungs
    .map((r) => {
      const state = r.kept === null ? 'not run' : r.kept ? 'kept' : 'lost';
      const mark = r.kept === null ? '–' : r.kept ? '✓' : '✗';
      return `<li class="${r.kept === null ? '' : r.kept ? 'kept' : 'lost'}" title="${esc(`${RUNG_NAMES[r.rung]}: ${state}${r.note ? ` (${r.note})` : ''}`)}"><strong>${r.rung}</strong> ${mark} <span class="sr-only">${esc(state)}</span></li>`;
    })
    .join('')}</ul>`;
}

function stepItem(s: ScenarioResult, st: StepRecord, o: HtmlOptions): string {
  if (st.kind === 'disruption') {
    const changes = st.changes.map((c) => changeText(c, { generation: true })).join(', ');
    return `<li class="disruption">⟳ ${esc(plain(st.description))}${changes ? ` — ${esc(changes)}` : ''} <span class="meta">${seconds(st.durationMs)}</span></li>`;
  }
  return turnItem(s, st, o);
}

function turnItem(s: ScenarioResult, t: TurnRecord, o: HtmlOptions): string {
  const mark = t.passed
    ? '<span class="ok" aria-label="passed">✓</span>'
    : '<span class="bad" aria-label="failed">✗</span>';
  const explanation = s.explanations?.find((e) => e.step === t.step && e.label === t.label);
  const needles = needlesFor(s, t);
  const chats = t.llm.filter((q) => q.kind === 'chat');
  const last = chats.at(-1);
  const earlier = chats.slice(0, -1);
  const body = [
    t.expectations.length
      ? `<ul class="expect">${t.expectations.map((e) => expectationItem(e, o)).join('')}</ul>`
      : '',
    missingFacts(t),
    last
      ? promptBlock(
          last,
          needles,
          chats.length > 1 ? `prompt (the last of ${chats.length} LLM requests)` : 'prompt',
        )
      : `<p class="meta">${t.llm.length ? `no chat request (${esc(plural(t.llm.length, 'other LLM request'))})` : 'no LLM request during this turn'}</p>`,
    earlier.length
      ? `<details><summary>${esc(plural(earlier.length, 'earlier LLM request'))} of this turn</summary>${earlier.map((q, i) => promptBlock(q, needles, `request ${i + 1}`)).join('')}</details>`
      : '',
    t.reply !== null ? `<p><strong>reply</strong> <span class="reply">${esc(plain(t.reply))}</span></p>` : '',
    explanation ? `<p><strong>why</strong> ${esc(explanation.text)}</p>` : '',
    t.failure
      ? `<p class="notice bad"><strong>request failed:</strong> ${esc(plain(t.failure.message))}</p>${t.failure.outputTail.length ? `<details open><summary>the worker's last output</summary><pre class="tail">${esc(plain(t.failure.outputTail.join('\n')))}</pre></details>` : ''}`
      : '',
    `<p class="meta">${esc(t.reason)} · ${Math.round(t.latencyMs)} ms · status ${t.status ?? '–'}${t.generation > 1 ? ` · generation ${t.generation}` : ''}</p>`,
  ];
  return `<li class="turn" data-session="${esc(t.session)}" data-worker="${esc(t.worker)}" data-passed="${t.passed}"><details id="${esc(turnAnchor(s.slug, t))}"${t.passed ? '' : ' open'}><summary>${mark} ${esc(servedText(t))} — “${esc(brief(t.user))}”</summary><div class="turn-body">${body.join('')}</div></details></li>`;
}

/**
 * What to mark in a turn's prompts: every fact a recall of its session expects, wherever it shows
 * (so the turn where it was said shows it too), and what this turn must not see (`forget`).
 */
function needlesFor(s: ScenarioResult, t: TurnRecord): Needle[] {
  const recalls = turnsOf(s)
    .filter((o) => o.session === t.session)
    .flatMap((o) => o.expectations.filter((e) => e.kind === 'recall').map((e) => e.expected));
  const forgets = t.expectations.filter((e) => e.kind === 'forget').map((e) => e.expected);
  return [
    ...[...new Set(recalls)].map((expected) => ({ expected, kind: 'recall' as const })),
    ...forgets.map((expected) => ({ expected, kind: 'forget' as const })),
  ];
}

function brief(text: string): string {
  const flat = plain(text).replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

function expectationItem(e: ExpectationResult, o: HtmlOptions): string {
  const said = saidInText(e);
  return `<li>${e.passed ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>'} <code>${esc(expectationText(e))}</code> ${esc(e.message)}${said ? ` <span class="meta">(${esc(said)})</span>` : ''} <span class="loc">${esc(formatLocation(e.at, o.cwd))}</span></li>`;
}

/** Each fact a failed recall expected and the prompt lacked, named where the prompt is read. */
function missingFacts(t: TurnRecord): string {
  const missing = t.expectations.filter((e) => e.kind === 'recall' && !e.passed);
  return missing
    .map(
      (e) =>
        `<p class="missing">missing from the prompt: <code>${esc(e.expected)}</code>${saidInText(e) ? ` — ${esc(saidInText(e) as string)}` : ''}</p>`,
    )
    .join('');
}

function promptBlock(q: RecordedLlmRequest, needles: readonly Needle[], title: string): string {
  const messages = q.messages.length
    ? q.messages
        .map(
          (m) =>
            `<div class="msg"><span class="role">${esc(m.role)}</span>${highlight(plain(m.content), needles) || '<em>(empty)</em>'}</div>`,
        )
        .join('')
    : '<p class="meta">(no messages)</p>';
  return `<div class="prompt" role="group" aria-label="${esc(title)}"><p class="meta">${esc(title)}: ${esc(q.method)} ${esc(q.path)}${q.stream ? ' (streamed)' : ''}, ${esc(plural(q.messages.length, 'message'))}</p>${messages}</div>`;
}
