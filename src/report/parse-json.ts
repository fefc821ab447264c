import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import type { RunResult } from '../types/results.ts';

const count = z.number().int().min(0);

/** What the other readers of a JSON report rely on; the rest passes through as amnesia wrote it. */
const scenarioShape = z.looseObject({
  name: z.string(),
  file: z.string(),
  slug: z.string(),
  status: z.enum(['passed', 'failed', 'error', 'skipped']),
  steps: z.array(z.looseObject({ kind: z.enum(['turn', 'disruption']) })),
  leaks: z.array(z.unknown()),
  vacuous: z.array(z.unknown()),
  durationMs: z.number(),
});

const reportShape = z.looseObject({
  runId: z.string(),
  seed: z.number(),
  startedAt: z.number(),
  durationMs: z.number(),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  scenarios: z.array(scenarioShape),
  shard: z.object({ index: count, total: count }).optional(),
});

/**
 * A report written by `renderJson` (`--report json=FILE`), read back: for merging the reports of
 * shards, and for balancing the next split by the durations it holds. Not a report → InvalidInputError.
 */
export function parseJsonReport(text: string, file: string): RunResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw notAReport(file, '', `not JSON: ${(e as Error).message}`);
  }
  const parsed = reportShape.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
    throw notAReport(file, field.replace(/^\./, ''), issue?.message ?? 'unexpected shape');
  }
  return parsed.data as unknown as RunResult;
}

function notAReport(file: string, field: string, detail: string): InvalidInputError {
  return new InvalidInputError([
    {
      file,
      line: 1,
      column: 1,
      field,
      message: `not an amnesia JSON report: ${detail}`,
      hint: 'merge the files written by `amnesia run --report json=FILE` (or the Action’s json-report output)',
    },
  ]);
}
