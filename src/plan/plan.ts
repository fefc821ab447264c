import type {
  DisruptionStep,
  RoutingStrategy,
  Scenario,
  TogetherStep,
  Topology,
  TurnStep,
} from '../scenario/types.ts';
import { formatTarget } from '../scenario/types.ts';
import { type WorkerId, workerOrder, workersOf } from '../scenario/workers.ts';
import { seededRandom } from './random.ts';

export interface PlannedTurn {
  kind: 'turn';
  step: TurnStep;
  worker: WorkerId;
  /** Why this worker: shown in evidence and progress. */
  reason: string;
}
/** Turns sent at once, each on its own worker. */
export interface PlannedTogether {
  kind: 'together';
  step: TogetherStep;
  turns: PlannedTurn[];
}
export interface PlannedDisruption {
  kind: 'disruption';
  step: DisruptionStep;
  /** Workers this step restarts, kills, replaces or adds (empty for wait). */
  workers: WorkerId[];
  /** The topology after the step. */
  topology: Topology;
  /** Turns in flight when it starts (`during:`), each on its own worker. */
  during: PlannedTurn[];
}
export type PlannedStep = PlannedTurn | PlannedTogether | PlannedDisruption;

export interface Plan {
  topology: Topology;
  routing: RoutingStrategy;
  seed: number;
  steps: PlannedStep[];
}

interface SessionState {
  last?: WorkerId;
  /** Index into the disruption log up to which this session has had a turn. */
  seen: number;
}

/**
 * Decide, before anything runs, which worker serves each turn. Pure: the same scenario,
 * topology and seed always give the same plan (replays reproduce runs).
 *
 * Rules (docs/guide/how-a-run-works.md, "Routing"): a pinned turn goes where it is pinned (a replica pin applies the
 * strategy within that replica). `spread`: the first turn of a session after a disruption goes
 * to a disrupted worker (the one that served it last, if it was disrupted; otherwise the first
 * disrupted in routing order); any other turn goes, when several sessions talk, to the worker that
 * last served another session (so that sessions meet in one process, where memory that is not kept
 * apart by session leaks), unless that worker served this session's previous turn; otherwise to
 * the next worker in routing order that did not serve this session's previous turn.
 * `round-robin`: the next worker in order. `sticky`: the session's previous worker id, also after
 * it was restarted, crashed or redeployed (its new process), until it is removed. `random`: seeded.
 *
 * Turns in flight at once (`together:`, `during:`) each get a worker of their own, routed in the
 * order they are written. A turn in flight during a disruption goes to a worker the disruption
 * hits, while there is one left.
 */
export function plan(
  scenario: Scenario,
  base: { topology: Topology; routing: RoutingStrategy; seed: number },
): Plan {
  const topology = { ...base.topology, ...scenario.topology };
  const routing = scenario.routing ?? base.routing;
  const seed = scenario.seed ?? base.seed;
  const random = seededRandom(seed);
  const sessions = new Map<string, SessionState>();
  const disruptions: WorkerId[][] = [];
  let current = { ...topology };
  let cursor = 0;
  /** The worker of the latest turn, and its session. */
  let latest: { worker: WorkerId; session: string } | undefined;
  const steps: PlannedStep[] = [];

  /** Route one turn; `taken` are the workers of turns in flight beside it, `hit` a disruption's workers. */
  const route = (step: TurnStep, taken: ReadonlySet<WorkerId>, hit?: readonly WorkerId[]): PlannedTurn => {
    const state = sessions.get(step.session) ?? { seen: 0 };
    const order = workerOrder(current);
    let candidates = (step.pin ? workersOf(step.pin, current) : order).filter((id) => !taken.has(id));
    if (candidates.length === 0) candidates = order.filter((id) => !taken.has(id)); // validation rejects this; stay total
    if (candidates.length === 0) candidates = order;
    const disrupted = new Set(disruptions.slice(state.seen).flat());
    const lastAlive = state.last && candidates.includes(state.last) ? state.last : undefined;

    const next = (exclude?: WorkerId): WorkerId => {
      for (let i = 0; i < order.length; i++) {
        const id = order[(cursor + i) % order.length] as WorkerId;
        if (candidates.includes(id) && id !== exclude) {
          cursor = (order.indexOf(id) + 1) % order.length;
          return id;
        }
      }
      return candidates[0] as WorkerId;
    };

    let worker: WorkerId;
    let reason: string;
    const inFlightOn = hit?.filter((id) => candidates.includes(id)) ?? [];
    if (step.pin?.kind === 'worker') {
      worker = candidates[0] as WorkerId;
      reason = `pinned to ${formatTarget(step.pin)}`;
    } else if (inFlightOn.length > 0) {
      worker = lastAlive && inFlightOn.includes(lastAlive) ? lastAlive : (inFlightOn[0] as WorkerId);
      reason = `in flight on ${worker}, which the disruption hits`;
    } else if (routing === 'random') {
      worker = candidates[Math.floor(random() * candidates.length)] as WorkerId;
      reason = `random (seed ${seed})`;
    } else if (routing === 'round-robin') {
      worker = next();
      reason = 'round-robin';
    } else if (routing === 'sticky') {
      // Affinity is to the worker id, as a load balancer's is to an instance name: after a restart,
      // crash or redeploy the session goes to that id's new process.
      if (lastAlive) {
        worker = lastAlive;
        reason = disrupted.has(lastAlive)
          ? `sticky: ${step.session} stays on ${lastAlive} (its new process)`
          : `sticky: ${step.session} stays on ${lastAlive}`;
      } else {
        worker = next();
        reason = state.last ? `sticky: ${state.last} was removed` : `sticky: first turn of ${step.session}`;
      }
    } else {
      const hitBefore = candidates.filter((id) => disrupted.has(id));
      if (hitBefore.length > 0) {
        worker = lastAlive && hitBefore.includes(lastAlive) ? lastAlive : (hitBefore[0] as WorkerId);
        reason = `spread: first turn of ${step.session} after a disruption of ${worker}`;
      } else if (
        latest &&
        latest.session !== step.session &&
        latest.worker !== state.last &&
        candidates.includes(latest.worker)
      ) {
        worker = latest.worker;
        reason = `spread: meets ${latest.session} on ${worker}${state.last ? `, not ${state.last}, which served ${step.session} last` : ''}`;
      } else {
        worker = next(candidates.length > 1 ? state.last : undefined);
        reason = state.last
          ? `spread: not ${state.last}, which served ${step.session} last`
          : `spread: first turn of ${step.session}`;
      }
    }
    if (step.pin?.kind === 'replica') reason = `pinned to ${formatTarget(step.pin)}; ${reason}`;
    sessions.set(step.session, { last: worker, seen: disruptions.length });
    latest = { worker, session: step.session };
    return { kind: 'turn', step, worker, reason };
  };

  /** Route turns in flight at once: each on a worker none of the others has (turns pinned to a worker first). */
  const routeAtOnce = (turns: readonly TurnStep[], hit?: readonly WorkerId[]): PlannedTurn[] => {
    const taken = new Set<WorkerId>(
      turns.flatMap((t) => (t.pin?.kind === 'worker' ? [formatTarget(t.pin) as WorkerId] : [])),
    );
    return turns.map((t) => {
      if (t.pin?.kind === 'worker') return route(t, new Set(), hit);
      const planned = route(t, taken, hit);
      taken.add(planned.worker);
      return planned;
    });
  };

  for (const step of scenario.steps) {
    if (step.kind === 'turn') {
      steps.push(route(step, new Set()));
      continue;
    }
    if (step.kind === 'together') {
      steps.push({ kind: 'together', step, turns: routeAtOnce(step.turns) });
      continue;
    }
    const before = workerOrder(current);
    let workers: WorkerId[] = [];
    let during: PlannedTurn[] = [];
    if (step.kind === 'restart' || step.kind === 'crash' || step.kind === 'redeploy') {
      workers = workersOf(step.target, current);
      during = routeAtOnce(step.during ?? [], workers);
    } else if (step.kind === 'scale') {
      current = { replicas: step.replicas ?? current.replicas, workers: step.workers ?? current.workers };
      workers = workerOrder(current).filter((id) => !before.includes(id));
    }
    if (workers.length) disruptions.push(workers);
    steps.push({ kind: 'disruption', step, workers, topology: { ...current }, during });
  }
  return { topology, routing, seed, steps };
}
