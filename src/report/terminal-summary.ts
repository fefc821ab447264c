import type { RunResult, ScenarioResult } from '../types/results.ts';
import { formatDuration } from '../util/duration.ts';
import { oneLine, plain, quoted } from '../util/text.ts';
import { diagnosisText } from './diagnosis.ts';
import {
  evidenceTurns,
  firstFailure,
  formatLocation,
  leakText,
  notPassing,
  notRunText,
  relativeTo,
  runNotes,
  tally,
  totalsText,
  vacuousText,
} from './evidence.ts';
import { type Paint, painter } from './paint.ts';
import { turnEvidence } from './turn-evidence.ts';

export interface SummaryOptions {
  color: boolean;
  /** Paths under it are shown relative to it. */
  cwd?: string;
}

/**
 * The end-of-run summary: a block per failed or errored scenario (leaks first) with what explains
 * each failed turn, then what the probe found and what to change (once, however many scenarios
 * share the probe), then the totals line.
 *
 * @example
 * process.stdout.write(renderSummary(result, { color: true, cwd: process.cwd() }))
 */
export function renderSummary(r: RunResult, o: SummaryOptions): string {
  const paint = painter(o.color);
  const notes = runNotes(r);
  const bad = notPassing(r);
  const diagnosis = diagnosisBlock(bad, paint);
  const blocks = [
    ...bad.map((s) => scenarioBlock(s, paint, o.cwd).join('\n')),
    ...(diagnosis.length > 0 ? [diagnosis.join('\n')] : []),
    ...notes.map((n) => `${paint('yellow', 'note')}  ${n}`),
  ];
  const t = tally(r);
  const totals = `${totalsText(r)}  ${paint('dim', `(${formatDuration(r.durationMs)}, seed ${r.seed}, run ${r.runId})`)}`;
  const status =
    t.error > 0 ? paint('yellow', totals) : t.failed > 0 ? paint('red', totals) : paint('green', totals);
  return `${[...blocks, status].join('\n\n')}\n`;
}

/**
 * Why one scenario did not pass, as the summary prints it (leaks, the error, vacuous recalls, each
 * failed turn with its evidence and why, the artifacts and the replay command), followed by its
 * probe finding and what to change: a vitest failure says it all.
 */
export function renderScenarioWithDiagnosis(s: ScenarioResult, o: SummaryOptions): string {
  const paint = painter(o.color);
  return [...scenarioBlock(s, paint, o.cwd), ...diagnosisBlock([s], paint)].join('\n');
}

function scenarioBlock(s: ScenarioResult, paint: Paint, cwd: string | undefined): string[] {
  const first = firstFailure(s);
  const where = first ? formatLocation(first.expectation.at, cwd) : relativeTo(s.file, cwd);
  const mark = s.status === 'error' ? paint('yellow', '!') : paint('red', '✗');
  const out = [`${mark} ${paint('bold', oneLine(s.name))}  ${paint('dim', where)}`];

  for (const l of s.leaks) out.push(`  ${paint('red', 'leak')} ${leakText(l)}`);
  if (s.error) {
    const [head = '', ...rest] = plain(s.error.message).split('\n');
    out.push(`  ${paint('yellow', s.error.code)}: ${head}${notRunText(s)}`, ...rest.map((l) => `    ${l}`));
  }
  for (const v of s.vacuous) {
    out.push(
      `  ${paint('yellow', `vacuous recall ${quoted(v.expected)}`)}  ${paint('dim', formatLocation(v.at, cwd))}`,
      `    ${vacuousText(v)}`,
    );
  }
  for (const t of evidenceTurns(s)) out.push(...turnEvidence(t, { paint, cwd }).map((l) => `  ${l}`));

  const [firstWhy, ...more] = diagnosisText(s)?.turns ?? [];
  if (firstWhy)
    out.push(`  ${paint('bold', 'why')}        ${firstWhy}`, ...more.map((t) => `             ${t}`));
  if (s.artifactsDir) out.push(`  ${paint('dim', 'artifacts')}  ${relativeTo(s.artifactsDir, cwd)}`);
  out.push(`  ${paint('dim', 'replay')}     ${s.replay}`);
  return out;
}

/**
 * Each probe ladder's finding once (scenarios of one topology share a ladder), then what to
 * change for every row that explains a failed turn or that a probe found.
 */
function diagnosisBlock(bad: readonly ScenarioResult[], paint: Paint): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const advice = new Set<string>();
  for (const s of bad) {
    const d = diagnosisText(s);
    if (!d) continue;
    for (const a of d.advice) advice.add(a);
    const key = `${s.topology.replicas}x${s.topology.workers} ${d.signature ?? ''}`;
    if (!d.signature || seen.has(key)) continue;
    seen.add(key);
    out.push(
      `${paint('bold', 'probe')} ${paint('dim', `(${s.topology.replicas} × ${s.topology.workers})`)}  ${d.signature}`,
    );
    for (const f of d.findings) out.push(`  ${f}`);
    for (const n of d.notes) out.push(`  ${paint('dim', n)}`);
  }
  if (advice.size > 0) out.push(paint('bold', 'what to change'), ...[...advice].map((a) => `  → ${a}`));
  return out;
}
