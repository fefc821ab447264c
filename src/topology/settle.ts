import { AbortedError } from '../errors.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { WorkerChange } from './types.ts';

/**
 * Like Promise.all, but waits for every task before rejecting with the first failure: a worker
 * still booting when another failed must be accounted for before the topology is stopped.
 */
export async function settleAll<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  // A sibling stopped because another boot failed reports AbortedError: the cause comes first.
  const cause = failed.find((r) => !(r.reason instanceof AbortedError)) ?? failed[0];
  if (cause) throw cause.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** 1…n */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** One change per worker: what stopped and what started in its place. */
export function mergeChanges(a: WorkerChange[], b: WorkerChange[]): WorkerChange[] {
  const out = new Map<WorkerId, WorkerChange>();
  for (const c of [...a, ...b]) out.set(c.id, { ...out.get(c.id), ...c });
  return [...out.values()];
}
