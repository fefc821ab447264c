import { renderSummary } from '../report/index.ts';
import { mergeReports } from '../run/reports.ts';
import { type Io, wantsColor } from './output.ts';
import { fileReporters, parseReport } from './run-command.ts';

/** `amnesia merge-reports`: the shards' JSON reports as one run: its summary, its report files, its exit status. */
export async function mergeReportsCommand(
  patterns: string[],
  opts: { report?: string[] },
  io: Io,
): Promise<number> {
  const reports = (opts.report ?? []).map(parseReport);
  const result = await mergeReports(patterns, io.cwd);
  const color = wantsColor(io.stdout, io.env);
  io.stdout.write(renderSummary(result, { color, cwd: io.cwd }));
  for (const r of fileReporters(reports, io)) await r.onRunEnd?.(result);
  for (const { file } of reports) io.stdout.write(`report: ${file}\n`);
  return result.exitCode;
}
