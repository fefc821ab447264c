import { AmnesiaError } from '../errors.ts';
import type { RunResult, ScenarioResult } from '../types/results.ts';

/** A run's result and where it came from (a file name, for messages). */
export interface SourcedResult {
  source: string;
  result: RunResult;
}

/**
 * The results of the shards of one suite as one run: every scenario once, in file order, the exit
 * status the whole run would have had. Refuses what would make the merged verdict a lie: a scenario
 * in two reports, shards of different splits, or a shard missing (its job died before it reported).
 */
export function mergeResults(reports: readonly SourcedResult[]): RunResult {
  const first = reports[0];
  if (!first) throw invalid('no reports to merge');
  checkShards(reports);
  const seen = new Map<string, string>();
  const scenarios: ScenarioResult[] = [];
  for (const { source, result } of reports) {
    for (const s of result.scenarios) {
      const other = seen.get(s.name);
      if (other !== undefined)
        throw invalid(
          `scenario ${JSON.stringify(s.name)} is in both ${other} and ${source}: the same shard or run was merged twice`,
        );
      seen.set(s.name, source);
      scenarios.push(result.shard ? { ...s, shard: result.shard } : s);
    }
  }
  scenarios.sort((a, b) => compare(a.file, b.file) || compare(a.name, b.name));
  const startedAt = Math.min(...reports.map((r) => r.result.startedAt));
  const endedAt = Math.max(...reports.map((r) => r.result.startedAt + r.result.durationMs));
  const configs = new Set(reports.map((r) => r.result.configFile));
  const probe = reports.find((r) => r.result.probe)?.result.probe;
  const skipped = new Set(reports.flatMap((r) => (r.result.skipped ? [r.result.skipped] : [])));
  return {
    runId: [...new Set(reports.map((r) => r.result.runId))].join('+'),
    seed: first.result.seed,
    startedAt,
    durationMs: endedAt - startedAt,
    exitCode: exitCodeOf(scenarios),
    scenarios,
    ...(skipped.size > 0 ? { skipped: [...skipped].join('; ') } : {}),
    ...(configs.size === 1 && first.result.configFile ? { configFile: first.result.configFile } : {}),
    ...(probe ? { probe } : {}),
  };
}

function checkShards(reports: readonly SourcedResult[]): void {
  const sharded = reports.filter((r) => r.result.shard);
  if (sharded.length === 0) return;
  const plain = reports.find((r) => !r.result.shard);
  if (plain)
    throw invalid(`${plain.source} is not a shard, but ${sharded[0]?.source} is: merge one split at a time`);
  const totals = new Set(sharded.map((r) => r.result.shard?.total));
  if (totals.size > 1)
    throw invalid(`the reports come from different splits (${[...totals].map((t) => `/${t}`).join(', ')})`);
  const total = sharded[0]?.result.shard?.total ?? 0;
  const by = new Map<number, string>();
  for (const { source, result } of sharded) {
    const index = result.shard?.index ?? 0;
    const other = by.get(index);
    if (other !== undefined) throw invalid(`shard ${index}/${total} is both ${other} and ${source}`);
    by.set(index, source);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !by.has(i));
  if (missing.length > 0)
    throw invalid(
      `shard ${missing.map((i) => `${i}/${total}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: its job failed or was cancelled before writing its report, so the suite's verdict is unknown`,
    );
}

/** As `run` decides it: an error wins; a scenario that failed, or was skipped, is never green. */
function exitCodeOf(scenarios: readonly ScenarioResult[]): RunResult['exitCode'] {
  return scenarios.some((s) => s.status === 'error')
    ? 2
    : scenarios.some((s) => s.status === 'failed' || s.status === 'skipped')
      ? 1
      : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string): AmnesiaError {
  return new AmnesiaError('AMNESIA_INVALID_INPUT', `cannot merge the reports: ${message}`);
}
