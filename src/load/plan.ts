import { plan } from '../plan/plan.ts';
import type { DisruptionStep, Scenario, Topology } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';

export interface PlannedLoadDisruption {
  step: DisruptionStep;
  /** Starts once this many turns of the load were sent. */
  afterTurns: number;
  /** The topology after it. */
  topology: Topology;
}

/**
 * When each of a scenario's disruptions runs in a load of `total` turns: once the share of the
 * load's turns that precedes it in the scenario was sent (a redeploy between turns 2 and 3 of 4
 * runs after half of them). Pure.
 */
export function planDisruptions(
  scenario: Scenario | undefined,
  topology: Topology,
  total: number,
): PlannedLoadDisruption[] {
  if (!scenario) return [];
  const steps = plan(scenario, { topology, routing: 'spread', seed: 0 }).steps;
  // A scenario's turns at once (`together:`) count one each; turns in flight during a disruption
  // (`during:`) count as sent after it starts. Validation guarantees a scenario at least one turn.
  const count = (s: (typeof steps)[number]) =>
    s.kind === 'turn' ? 1 : s.kind === 'together' ? s.turns.length : s.during.length;
  const turns = Math.max(
    1,
    steps.reduce((n, s) => n + count(s), 0),
  );
  let before = 0;
  const out: PlannedLoadDisruption[] = [];
  for (const s of steps) {
    if (s.kind === 'disruption')
      out.push({ step: s.step, afterTurns: Math.round((before / turns) * total), topology: s.topology });
    before += count(s);
  }
  return out;
}

/**
 * The worker a session's turn goes to: the live workers (in routing order) walked from an offset
 * that moves with the session and the turn, so that consecutive turns of a session land on
 * different workers (alternating replicas) and sessions start spread out. Never the worker that
 * served the session's previous turn while another is live. Pure.
 */
export function pickWorker(
  live: readonly WorkerId[],
  session: number,
  turn: number,
  previous: WorkerId | undefined,
): WorkerId | undefined {
  if (live.length === 0) return undefined;
  let i = (session + turn) % live.length;
  if (live[i] === previous && live.length > 1) i = (i + 1) % live.length;
  return live[i];
}
