import { SCRIPT, STYLE } from '../report/html/assets.ts';
import { esc } from '../report/html/escape.ts';
import { highlight } from '../report/html/highlight.ts';
import { oneLine, plain, plural } from '../util/text.ts';
import type { LoadSessionEvidence, LoadTestResult, LoadTurn, LoadWindow } from './types.ts';

const num = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

/**
 * A load run as one self-contained HTML page: the verdict and counts, a chart over time (the
 * disruptions as bands, each window's memories kept, lost and leaked as a bar, failed and losing
 * turns as ticks), latency, and the first sessions that lost or leaked with the prompts their app
 * sent, the facts marked where present and named where missing.
 */
export function renderLoadHtml(r: LoadTestResult, o: { cwd?: string } = {}): string {
  const verdict = r.error
    ? `! error ${r.error.code}`
    : r.exitCode === 0
      ? '✓ nothing lost or leaked'
      : `✗ ${num(r.memories.lost)} memories lost, ${num(r.memories.leaked)} leaked`;
  const status = r.error ? 'error' : r.exitCode === 0 ? 'passed' : 'failed';
  const body = [
    `<header><h1>amnesia load</h1><div class="summary"><span class="badge ${status}">${esc(verdict)}</span>`,
    `<span>${num(r.sessions)} sessions × ${r.turnsPerSession} turns, ${r.concurrency} at once, ${r.topology.replicas} × ${r.topology.workers}</span>`,
    `<span>run ${esc(r.runId)} · ${ms(r.durationMs)} · ${Math.round(r.turnsPerSecond)} turns/s</span>`,
    r.configFile ? `<span>config <code>${esc(rel(r.configFile, o.cwd))}</code></span>` : '',
    '<button id="theme" type="button" title="Switch the colour theme (t)">Theme</button></div></header><main>',
    r.error
      ? `<p class="notice"><strong>${esc(r.error.code)}:</strong> ${esc(plain(r.error.message))}</p>`
      : '',
    `<section class="scenario" aria-labelledby="counts-title"><h2 id="counts-title">Counts</h2><table><tbody>
<tr><th scope="row">turns</th><td>${num(r.turns.sent)} sent</td><td>${num(r.turns.answered)} answered</td><td>${num(r.turns.failed)} failed</td><td>${num(r.turns.withoutLlm)} without an LLM call</td></tr>
<tr><th scope="row">memories</th><td>${num(r.memories.kept)} kept</td><td>${num(r.memories.lost)} lost</td><td>${num(r.memories.leaked)} leaked</td><td></td></tr>
<tr><th scope="row">latency</th><td>p50 ${r.latency ? ms(r.latency.p50) : '–'}</td><td>p90 ${r.latency ? ms(r.latency.p90) : '–'}</td><td>p99 ${r.latency ? ms(r.latency.p99) : '–'}</td><td>max ${r.latency ? ms(r.latency.max) : '–'}</td></tr>
<tr><th scope="row">LLM</th><td>${num(r.llm.requests)} requests</td><td>${num(r.llm.attributed)} attributed</td><td>${num(r.llm.misattributed)} misattributed</td><td>${num(r.llm.unattributed)} outside any turn</td></tr>
</tbody></table></section>`,
    chartSection(r),
    r.windows.length ? windowsSection(r.windows) : '',
    r.failures.length ? failuresSection(r) : '',
    ...r.evidence.map(sessionSection),
    r.artifactsDir ? `<p class="meta">artifacts <code>${esc(rel(r.artifactsDir, o.cwd))}</code></p>` : '',
    '</main>',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(`amnesia load: ${verdict}`)}</title><style>${STYLE}</style></head>
<body>${body.join('\n')}<script>${SCRIPT}</script></body></html>
`;
}

function rel(file: string, cwd?: string): string {
  return cwd && file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

const W = 900;
const H = 120;

/** Time runs left to right: disruption bands, ticks for failed turns and turns that lost or leaked. */
function chartSection(r: LoadTestResult): string {
  const span = Math.max(1, r.durationMs);
  const x = (t: number) => 8 + (Math.max(0, Math.min(span, t)) / span) * (W - 16);
  const parts: string[] = [];
  for (const d of r.disruptions)
    parts.push(
      `<g><title>${esc(`${oneLine(d.description)}: ${ms(d.startMs)} → ${ms(d.endMs)}`)}</title><rect class="band" x="${x(d.startMs)}" y="18" width="${Math.max(3, x(d.endMs) - x(d.startMs))}" height="${H - 40}" rx="3"/></g>`,
      `<text x="${x(d.startMs) + 3}" y="14">${esc(oneLine(d.description).replace(/\s*\(.*\)$/, ''))}</text>`,
    );
  for (const f of r.failures)
    parts.push(
      `<g><title>${esc(`${f.label} failed on ${f.worker}: ${oneLine(f.message)}`)}</title><rect class="turn-bad" x="${x(f.startMs)}" y="${H - 40}" width="3" height="14"/></g>`,
    );
  for (const s of r.evidence)
    for (const t of s.turns)
      if (t.lost.length || t.leaked.length)
        parts.push(
          `<g><title>${esc(`${t.label} on ${t.worker}: ${t.lost.length} lost, ${t.leaked.length} leaked`)}</title><rect class="turn-bad" x="${x(t.startMs)}" y="24" width="3" height="14"/></g>`,
        );
  parts.push(`<text x="8" y="${H - 4}">0</text><text x="${W - 60}" y="${H - 4}">${esc(ms(span))}</text>`);
  return `<section class="scenario" aria-labelledby="time-title"><h2 id="time-title">Over time</h2>
<div class="timeline"><svg role="group" aria-labelledby="time-svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><title id="time-svg">${esc(`The load over ${ms(span)}: ${plural(r.disruptions.length, 'disruption')}, ${plural(r.failures.length, 'failed turn')} shown`)}</title>${parts.join('')}</svg></div>
<p class="meta">Bands: disruptions while traffic ran. Red ticks: at the top, the first turns that lost or leaked a memory; at the bottom, the first failed turns.</p></section>`;
}

/** Each window's memories as a bar (kept, lost, leaked) beside its counts. */
function windowsSection(windows: readonly LoadWindow[]): string {
  const most = Math.max(1, ...windows.map((w) => w.memories.kept + w.memories.lost + w.memories.leaked));
  const bar = (w: LoadWindow) => {
    const width = 240;
    const k = (w.memories.kept / most) * width;
    const l = (w.memories.lost / most) * width;
    const x = (w.memories.leaked / most) * width;
    return `<svg width="${width}" height="14" role="img" aria-label="${esc(`${w.memories.kept} kept, ${w.memories.lost} lost, ${w.memories.leaked} leaked`)}"><rect class="turn-ok" width="${k}" height="14"/><rect class="turn-bad" x="${k}" width="${l}" height="14"/><rect class="band" x="${k + l}" width="${x}" height="14"/></svg>`;
  };
  const rows = windows
    .map(
      (w) =>
        `<tr><th scope="row">${esc(`${w.name} ${oneLine(w.disruption).replace(/\s*\(.*\)$/, '')}`)}</th><td>${num(w.turns.sent)}</td><td>${num(w.turns.answered)}</td><td>${num(w.turns.failed)}</td><td>${num(w.memories.kept)}</td><td>${num(w.memories.lost)}</td><td>${num(w.memories.leaked)}</td><td>${w.latency ? ms(w.latency.p50) : '–'}</td><td>${w.latency ? ms(w.latency.p99) : '–'}</td><td>${bar(w)}</td></tr>`,
    )
    .join('');
  return `<section class="scenario" aria-labelledby="win-title"><h2 id="win-title">By window</h2><div class="timeline"><table><thead><tr><th scope="col">window</th><th scope="col">sent</th><th scope="col">answered</th><th scope="col">failed</th><th scope="col">kept</th><th scope="col">lost</th><th scope="col">leaked</th><th scope="col">p50</th><th scope="col">p99</th><th scope="col">memories</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function failuresSection(r: LoadTestResult): string {
  const of = r.turns.failed > r.failures.length ? ` (${r.failures.length} of ${num(r.turns.failed)})` : '';
  return `<section class="scenario" aria-labelledby="fail-title"><h2 id="fail-title">First failed turns${of}</h2><ul>${r.failures
    .map(
      (f) =>
        `<li><code>${esc(f.label)}</code> → ${esc(f.worker)} pid ${f.pid} · ${esc(f.window)} · at ${ms(f.startMs)}: ${esc(plain(f.message))}</li>`,
    )
    .join('')}</ul></section>`;
}

function sessionSection(s: LoadSessionEvidence): string {
  const what = [s.lost ? `lost ${num(s.lost)}` : '', s.leaked ? `leaked ${num(s.leaked)}` : '']
    .filter(Boolean)
    .join(', ');
  return `<section class="scenario" data-status="failed" aria-labelledby="ev-${esc(s.session)}"><h2 id="ev-${esc(s.session)}">${esc(s.session)} <span class="meta">${esc(s.sessionId)} · ${esc(what)}</span></h2><ol class="steps">${s.turns.map(turnItem).join('')}</ol></section>`;
}

function turnItem(t: LoadTurn): string {
  const bad = t.lost.length > 0 || t.leaked.length > 0 || t.failure !== undefined;
  const needles = [
    { expected: t.canary, kind: 'recall' as const },
    ...t.leaked.map((l) => ({ expected: l.canary, kind: 'forget' as const })),
  ];
  const prompt = t.prompt
    ? `<div class="prompt" role="group" aria-label="prompt">${t.prompt
        .map(
          (m) =>
            `<div class="msg"><span class="role">${esc(m.role)}</span>${highlight(plain(m.content), needles) || '<em>(empty)</em>'}</div>`,
        )
        .join('')}</div>`
    : '';
  return `<li class="turn"><details${bad ? ' open' : ''}><summary>${bad ? '<span class="bad">✗</span>' : '<span class="ok">✓</span>'} ${esc(t.label)} → ${esc(t.worker)} pid ${t.pid} · ${esc(t.window)} · ${t.kept} kept${t.lost.length ? `, ${t.lost.length} lost` : ''}${t.leaked.length ? `, ${t.leaked.length} leaked` : ''}</summary><div class="turn-body">
${t.lost.map((l) => `<p class="missing">missing from the prompt: <code>${esc(l.canary)}</code> — said in ${esc(l.saidIn)} on ${esc(l.worker)}</p>`).join('')}
${t.leaked.map((l) => `<p class="notice bad">leaked from ${esc(l.session)}: <code>${esc(l.canary)}</code></p>`).join('')}
${t.failure ? `<p class="notice bad">failed: ${esc(plain(t.failure))}</p>` : ''}${prompt}
<p class="meta">said <code>${esc(t.canary)}</code> · ${ms(t.latencyMs)} · status ${t.status ?? '–'} · ${plural(t.llmRequests, 'LLM request')}</p></div></details></li>`;
}
