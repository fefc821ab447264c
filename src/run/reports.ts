import { glob, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AmnesiaError } from '../errors.ts';
import { mergeResults } from '../report/merge.ts';
import { parseJsonReport } from '../report/parse-json.ts';
import type { RunResult } from '../types/results.ts';

/** A JSON report (`--report json=FILE`) read back as a RunResult; InvalidInputError if it is not one. */
export async function readJsonReport(file: string, cwd = process.cwd()): Promise<RunResult> {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `cannot read the report ${file}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return parseJsonReport(text, path.relative(cwd, abs) || file);
}

/**
 * The JSON reports of a suite's shards (files or globs) merged into one result, as if one machine
 * had run the whole suite; see `mergeResults` for what it refuses.
 *
 * @example
 * const result = await mergeReports(['reports/*\/amnesia.json']);
 * process.exitCode = result.exitCode;
 */
export async function mergeReports(patterns: readonly string[], cwd = process.cwd()): Promise<RunResult> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const matched = await Array.fromAsync(glob(pattern, { cwd }));
    if (matched.length === 0)
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        `no report matches ${JSON.stringify(pattern)} (from ${cwd}): did every shard upload its JSON report?`,
      );
    for (const f of matched) files.add(path.normalize(f));
  }
  const sorted = [...files].sort();
  const reports = await Promise.all(
    sorted.map(async (source) => ({ source, result: await readJsonReport(source, cwd) })),
  );
  return mergeResults(reports);
}
