import { type Crash, crash } from './crash.ts';
import { type Pause, pause } from './pause.ts';
import { type Redeploy, redeploy } from './redeploy.ts';
import { type Restart, restart } from './restart.ts';
import { type Scale, scale } from './scale.ts';
import {
  type Outage,
  outage,
  type RestartService,
  restartService,
  type WipeService,
  wipeService,
} from './service-faults.ts';
import type { DisruptionSpec } from './spec.ts';
import { type Wait, wait } from './wait.ts';

/** Every kind of disruption step, as the engine knows it (less its place in the scenario). */
export type Disruption =
  | Restart
  | Crash
  | Pause
  | Redeploy
  | Scale
  | Wait
  | RestartService
  | Outage
  | WipeService;
export type DisruptionKind = Disruption['kind'];
export type DisruptionOf<K extends DisruptionKind> = Extract<Disruption, { kind: K }>;

/** One entry per kind, each complete: a kind without an entry, or an entry without a piece, does not compile. */
export type DisruptionTable = { readonly [K in DisruptionKind]: DisruptionSpec<DisruptionOf<K>> };

/**
 * The disruption kinds: the schema, normalizing, validation, planning, applying and wording of a
 * step read from here (msw's handler classes, testcontainers' wait strategies). Their order is
 * the order the schema and its messages list them in.
 */
export const DISRUPTIONS = {
  restart,
  crash,
  pause,
  redeploy,
  scale,
  wait,
  restart_service: restartService,
  outage,
  wipe_service: wipeService,
} as const satisfies DisruptionTable;

export const DISRUPTION_KINDS = Object.keys(DISRUPTIONS) as DisruptionKind[];

/** The entry of a step's kind, typed for that step. */
export function specOf<D extends Disruption>(step: D): DisruptionSpec<D> {
  return DISRUPTIONS[step.kind as DisruptionKind] as unknown as DisruptionSpec<D>;
}

/** The one wording of a step: `restart r1w1`, `redeploy all (rolling)`, `outage of cache for 3000 ms`. */
export const disruptionText = (step: Disruption): string => specOf(step).text(step);

export type {
  Applied,
  DisruptionStack,
  ServiceFault,
  ServiceFaultDone,
  WorkerChange,
  WorkerControl,
  WorkerDisruption,
} from './spec.ts';
export type { Crash, Outage, Redeploy, Restart, RestartService, Scale, Wait, WipeService };
