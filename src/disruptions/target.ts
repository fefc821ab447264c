/** A place in the topology: every worker, one replica, or one worker. Ids are 1-based. */
export type Target =
  | { kind: 'all' }
  | { kind: 'replica'; replica: number }
  | { kind: 'worker'; replica: number; worker: number };

/** The replicas × workers a disruption meets (the scenario's `Topology` fits it). */
export interface Shape {
  replicas: number;
  workers: number;
  /** Set in serverless mode: no worker lives between turns. */
  serverless?: unknown;
}

/** `r1w2`: worker 2 of replica 1 (both 1-based). */
export type WorkerId = `r${number}w${number}`;

export const workerId = (replica: number, worker: number): WorkerId => `r${replica}w${worker}`;

export function parseWorkerId(id: WorkerId): { replica: number; worker: number } {
  const m = /^r(\d+)w(\d+)$/.exec(id);
  if (!m) throw new Error(`not a worker id: ${id}`);
  return { replica: Number(m[1]), worker: Number(m[2]) };
}

/**
 * The fixed order routing walks: worker 1 of every replica, then worker 2 of every replica…
 * (`r1w1, r2w1, r1w2, r2w2`), so consecutive picks alternate replicas.
 */
export function workerOrder(t: Shape): WorkerId[] {
  const out: WorkerId[] = [];
  for (let w = 1; w <= t.workers; w++) for (let r = 1; r <= t.replicas; r++) out.push(workerId(r, w));
  return out;
}

/** The workers a target names, in routing order. */
export function workersOf(target: Target, t: Shape): WorkerId[] {
  return workerOrder(t).filter((id) => {
    if (target.kind === 'all') return true;
    const { replica, worker } = parseWorkerId(id);
    if (target.kind === 'replica') return replica === target.replica;
    return replica === target.replica && worker === target.worker;
  });
}

export function formatTarget(t: Target): string {
  if (t.kind === 'all') return 'all';
  if (t.kind === 'replica') return `r${t.replica}`;
  return `r${t.replica}w${t.worker}`;
}

export function parseTarget(s: string): Target {
  if (s === 'all') return { kind: 'all' };
  const m = /^r(\d+)(?:w(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a target: ${s}`);
  return m[2]
    ? { kind: 'worker', replica: Number(m[1]), worker: Number(m[2]) }
    : { kind: 'replica', replica: Number(m[1]) };
}
