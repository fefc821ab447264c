import { AmnesiaError } from '../errors.ts';
import type { RunResult } from '../types/results.ts';

/** One part of a suite split over several machines: `index` of `total`, 1-based (`2/4`). */
export interface Shard {
  index: number;
  total: number;
}

/** A shard, and how long each scenario took last time (ms, by scenario name) to balance the split. */
export interface ShardSpec extends Shard {
  durations?: Readonly<Record<string, number>>;
}

const MAX_SHARDS = 256;

/** `2/4` → `{ index: 2, total: 4 }`; anything else is bad input (exit 2). */
export function parseShard(text: string, what = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || total > MAX_SHARDS || index < 1 || index > total) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${what} ${JSON.stringify(text)}: expected INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL ≤ ${MAX_SHARDS}, e.g. 2/4`,
    );
  }
  return { index, total };
}

/** How long each scenario of a run took (ms, by name): what the next split balances on. */
export function durationsOf(r: RunResult): Record<string, number> {
  return Object.fromEntries(
    r.scenarios.filter((s) => s.status !== 'skipped').map((s) => [s.name, s.durationMs]),
  );
}

/**
 * The scenarios of one shard, in their original order. The split depends only on the names and
 * the durations, never on the machine or the run: every shard of a matrix computes the same one.
 * Longest first, each to the least loaded shard (ties to the lowest index); scenarios the
 * durations do not name count as the mean of those they do (all alike when none is known, which
 * deals them out in turn by name).
 */
export function selectShard<T extends { name: string }>(items: readonly T[], spec: ShardSpec): T[] {
  const known = items.map((s) => spec.durations?.[s.name]).filter((d): d is number => Number.isFinite(d));
  const fallback = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const weighed = items.map((item) => {
    const d = spec.durations?.[item.name];
    return { item, weight: Number.isFinite(d) ? (d as number) : fallback };
  });
  weighed.sort((a, b) => b.weight - a.weight || compare(a.item.name, b.item.name));
  const load = new Array<number>(spec.total).fill(0);
  const mine = new Set<T>();
  for (const { item, weight } of weighed) {
    const target = load.indexOf(Math.min(...load));
    load[target] = (load[target] ?? 0) + weight;
    if (target === spec.index - 1) mine.add(item);
  }
  return items.filter((s) => mine.has(s));
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
