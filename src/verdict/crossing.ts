import type { DisruptionStepRecord, Rung, TurnRecord } from '../types/results.ts';

type Served = Pick<
  TurnRecord,
  'label' | 'worker' | 'replica' | 'generation' | 'pid' | 'step' | 'together' | 'inFlight' | 'instance'
>;

/** The turns of its own session sent at once with a turn (`together:` may hold other sessions too). */
export function togetherOfSession(
  t: Pick<TurnRecord, 'label' | 'together'>,
): { label: string; worker: string }[] {
  const session = t.label.slice(0, t.label.lastIndexOf('#'));
  return (t.together ?? []).filter((o) => o.label.slice(0, o.label.lastIndexOf('#')) === session);
}

/**
 * What a turn crossed since an earlier turn of its session, as rungs of the probe ladder: another
 * replica (`OR`), a redeploy of its replica, i.e. a fresh disk (`RD`), another worker of the
 * replica (`OW`), a restart or crash of either worker (`RS`, `CR`); `SW` when it is the same process
 * with nothing in between; `SL` when a newly started serverless instance served it (a cold start).
 * `CC` is added when the earlier turn was sent at once with another turn of its session
 * (`together:`; turns of other sessions sent with it are no crossing of this one).
 */
export function crossing(said: Served, asked: Served, between: readonly DisruptionStepRecord[]): Rung[] {
  const moved = movedAcross(said, asked, between);
  if (togetherOfSession(said).length === 0) return moved;
  return moved[0] === 'SW' ? ['CC'] : [...moved, 'CC'];
}

/** The rungs between two turns' processes (no `CC`): what the later one crossed since the earlier. */
export function movedAcross(said: Served, asked: Served, between: readonly DisruptionStepRecord[]): Rung[] {
  if (asked.instance === 'cold') return ['SL'];
  if (asked.replica !== said.replica) return ['OR'];
  if (asked.generation !== said.generation) return ['RD'];
  const rungs: Rung[] = [];
  if (asked.worker !== said.worker) rungs.push('OW');
  const workers = new Set([said.worker, asked.worker]);
  for (const d of between) {
    if (d.type !== 'restart' && d.type !== 'crash') continue;
    // A turn in flight during a disruption shares its step, and met it after it began.
    const metIt = said.inFlight?.step === d.step;
    if ((d.step <= said.step && !metIt) || d.step >= asked.step) continue;
    if (!d.changes.some((c) => workers.has(c.id))) continue;
    const rung = d.type === 'restart' ? 'RS' : 'CR';
    if (!rungs.includes(rung)) rungs.push(rung);
  }
  return rungs.length > 0 ? rungs : ['SW'];
}

const CROSSED: Record<Rung, (said: Served, asked: Served) => string> = {
  SW: (s) => `stayed on ${s.worker} (pid ${s.pid}) with nothing in between`,
  OW: (_s, a) => `went to another worker of the replica (${a.worker})`,
  OR: (_s, a) => `went to another replica (${a.worker})`,
  RS: () => 'came after a restart',
  CR: () => 'came after a crash',
  CI: () => 'came after a crash at once after that answer',
  RD: () => 'came after a redeploy of the replica (a fresh disk)',
  CC: (s) =>
    `asked for a fact said at once with ${togetherOfSession(s)
      .map((t) => t.label)
      .join(', ')} of its session`,
  LT: () => 'asked for a fact older than the history the prompt held',
  SL: (_s, a) => `went to a newly started serverless instance (${a.worker}, a cold start)`,
};

/** `since main#1 (r1w1) it went to another worker of the replica (r1w2) and came after a crash`. */
export function crossingText(said: Served, asked: Served, rungs: readonly Rung[]): string {
  const parts = rungs.map((r) => CROSSED[r](said, asked));
  const joined = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
  return `since ${said.label} (${said.worker}) it ${joined}`;
}
