import type { RunResult, ScenarioResult } from '../types/results.ts';
import { formatDuration } from '../util/duration.ts';
import { clip, plural, quoted } from '../util/text.ts';
import { diagnosisText } from './diagnosis.ts';
import {
  errorHeadline,
  evidenceTurns,
  expectationText,
  firstFailure,
  formatLocation,
  leakText,
  notPassing,
  notRunText,
  relativeTo,
  runNotes,
  tally,
  totalsText,
  turnsOf,
  vacuousText,
} from './evidence.ts';
import { htmlText, mdCode, mdFence, mdText } from './md.ts';
import { mermaidTimeline } from './mermaid.ts';
import { turnEvidence } from './turn-evidence.ts';

/** GitHub rejects a comment body longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** The heading. @default 'amnesia' */
  title?: string;
  /** Table rows and detail blocks at most (the scenarios that did not pass come first). @default 50 */
  maxScenarios?: number;
  /** The document's length at most, truncated with a note. @default 65536 (a GitHub comment) */
  maxChars?: number;
  /** Paths under it are shown relative to it. */
  cwd?: string;
}

const MAX_FAILED_TURNS = 8;
const MAX_ERROR_CHARS = 4000;

/**
 * GitHub-flavoured Markdown for a job summary or a PR comment: totals, a table of scenarios, and
 * per scenario that did not pass a `<details>` block with its evidence, diagnosis and a Mermaid
 * timeline of the turns across workers.
 */
export function renderMarkdown(r: RunResult, o: MarkdownOptions = {}): string {
  const { title = 'amnesia', maxScenarios = 50, maxChars = GITHUB_COMMENT_LIMIT } = o;
  const bad = notPassing(r);
  const rows =
    r.scenarios.length <= maxScenarios
      ? r.scenarios
      : [...bad, ...r.scenarios.filter((s) => !bad.includes(s))].slice(0, maxScenarios);
  const notes = runNotes(r);
  const head = [
    `## ${mdText(title)}`,
    '',
    statusLine(r),
    '',
    ...notes.flatMap((n) => [`> **Note**: ${mdText(n)}`, '']),
  ];
  const table = [
    '| status | scenario | turns | failed expectation | signature |',
    '| --- | --- | --- | --- | --- |',
  ];
  const tableRows = rows.map((s) => tableRow(s, o.cwd));
  const notShown = r.scenarios.length - rows.length;
  const details = bad.slice(0, maxScenarios).map((s) => detailsBlock(s, o.cwd));

  const noteFor = (rowsLeft: number, detailsLeft: number) => {
    const parts = [
      rowsLeft > 0 ? `${plural(rowsLeft, 'scenario')} left out of the table` : '',
      detailsLeft > 0 ? `the details of ${plural(detailsLeft, 'scenario')} left out` : '',
    ].filter(Boolean);
    return parts.length === 0
      ? ''
      : `\n_Truncated: ${parts.join(', ')} (see the JSON report and the artifacts for everything)._\n`;
  };
  const reserve = 300;
  const budget = maxChars - reserve;
  const doc = [...head, ...table];
  let used = doc.join('\n').length;
  let shownRows = 0;
  for (const row of tableRows) {
    if (used + row.length + 1 > budget) break;
    doc.push(row);
    used += row.length + 1;
    shownRows++;
  }
  let shownDetails = 0;
  for (const block of details) {
    if (shownRows < tableRows.length || used + block.length + 2 > budget) break;
    doc.push('', block);
    used += block.length + 2;
    shownDetails++;
  }
  const note = noteFor(notShown + tableRows.length - shownRows, bad.length - shownDetails);
  const text = `${doc.join('\n')}\n${note}`;
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 2)}…\n`;
}

export function statusWord(r: RunResult): 'Error' | 'Failed' | 'Passed' {
  const t = tally(r);
  return t.error > 0 ? 'Error' : t.failed > 0 ? 'Failed' : 'Passed';
}

function statusLine(r: RunResult): string {
  const leaks = r.scenarios.reduce((n, s) => n + s.leaks.length, 0);
  const status = statusWord(r);
  const leakNote = leaks > 0 ? ` · ${plural(leaks, 'leak')} between sessions` : '';
  return `**${status}** · ${totalsText(r)}${leakNote} · ${formatDuration(r.durationMs)} · seed ${r.seed} · run ${mdCode(r.runId)}`;
}

function tableRow(s: ScenarioResult, cwd: string | undefined): string {
  const status = s.status === 'failed' || s.status === 'error' ? `**${s.status}**` : s.status;
  const sig = s.diagnosis ? mdCode(s.diagnosis.signature) : '';
  return `| ${status} | ${mdText(s.name)} | ${turnsOf(s).length} | ${whatFailed(s, cwd)} | ${sig} |`;
}

/** The one thing to read first: a leak, the error, a vacuous recall, or the first failed expectation. */
export function whatFailed(s: ScenarioResult, cwd: string | undefined): string {
  const leak = s.leaks[0];
  if (leak) return `leak ${mdCode(`${leak.from.label} → ${leak.into.label}`)}`;
  if (s.error) return `${mdCode(s.error.code)} ${mdText(clip(errorHeadline(s), 80))}`;
  const v = s.vacuous[0];
  if (v) return `vacuous ${mdCode(`recall ${quoted(v.expected)}`)}`;
  const f = firstFailure(s);
  if (!f) return '';
  const where = formatLocation(f.expectation.at, cwd).replace(/:\d+$/, '');
  return `${mdCode(f.turn.label)} ${mdCode(clip(expectationText(f.expectation), 60))} at ${mdCode(where)}`;
}

function detailsBlock(s: ScenarioResult, cwd: string | undefined): string {
  const out = [
    '<details>',
    `<summary><strong>${htmlText(s.name)}</strong>: ${s.status}</summary>`,
    '',
    `${mdCode(relativeTo(s.file, cwd))} · ${s.topology.replicas} × ${s.topology.workers}, ${s.routing}, seed ${s.seed} · ${formatDuration(s.durationMs)}`,
    '',
  ];
  if (s.leaks.length > 0) {
    out.push(
      '**Leaks** (memory is not keyed by session)',
      '',
      ...s.leaks.map((l) => `- ${mdText(leakText(l))}`),
      '',
    );
  }
  if (s.error)
    out.push(
      `**Could not run**: ${mdCode(s.error.code)}${mdText(notRunText(s))}`,
      '',
      mdFence(clip(s.error.message, MAX_ERROR_CHARS)),
      '',
    );
  if (s.vacuous.length > 0) {
    out.push(
      '**Vacuous recalls** (they would pass without any memory)',
      '',
      ...s.vacuous.map(
        (v) =>
          `- ${mdCode(`recall ${quoted(v.expected)}`)} at ${mdCode(formatLocation(v.at, cwd))}: ${mdText(vacuousText(v))}`,
      ),
      '',
    );
  }
  const failed = evidenceTurns(s);
  if (failed.length > 0) {
    const shown = failed.slice(0, MAX_FAILED_TURNS);
    const evidence = shown.flatMap((t) => turnEvidence(t, { cwd })).join('\n');
    const more =
      failed.length > shown.length ? `\n… ${plural(failed.length - shown.length, 'more failed turn')}` : '';
    out.push('**Failed expectations**', '', mdFence(`${evidence}${more}`), '');
  }
  const d = diagnosisText(s);
  if (d) {
    out.push(`**Diagnosis**${d.signature ? ` ${mdCode(d.signature)}` : ''}`, '');
    for (const line of [...d.findings, ...d.notes, ...d.turns]) out.push(`- ${mdText(line)}`);
    if (d.advice.length > 0)
      out.push('', `**What to change**: ${d.advice.map((a) => mdText(a)).join('<br>')}`);
    out.push('');
  }
  if (turnsOf(s).length > 0) out.push('**Timeline**', '', mdFence(mermaidTimeline(s), 'mermaid'), '');
  if (s.artifactsDir) {
    // Merged: the folder is in the artifact the shard's job uploaded, not in this job's checkout.
    const where = s.shard ? ` (in the artifact of shard ${s.shard.index}/${s.shard.total})` : '';
    out.push(`Artifacts: ${mdCode(relativeTo(s.artifactsDir, cwd))}${where}`, '');
  }
  out.push(`Replay: ${mdCode(s.replay)}`, '', '</details>');
  return out.join('\n');
}
