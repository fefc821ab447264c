import type { z } from 'zod';
import type { ExitInfo } from '../errors.ts';
import type { Shape, Target, WorkerId } from './target.ts';

/** What a disruption did to one worker. */
export interface WorkerChange {
  id: WorkerId;
  before?: { pid: number; exit: ExitInfo; forced: boolean; container?: string | undefined };
  after?: { pid: number; generation: number; bootMs: number; container?: string };
}

/** What a runtime reports of a disruption it carried out on the app's workers. */
export interface WorkerDisruption {
  kind: string;
  description: string;
  changes: WorkerChange[];
  durationMs: number;
}

/**
 * The runtime's process control: what a started topology does to its workers. Every runtime
 * (process, serverless, container) implements each, or says why it cannot.
 */
export interface WorkerControl {
  restart(target: Target, graceMs?: number): Promise<WorkerDisruption>;
  crash(target: Target): Promise<WorkerDisruption>;
  /** SIGSTOP the workers, SIGCONT them once ms have passed (also when the run is cancelled meanwhile). */
  pause(target: Target, ms: number): Promise<WorkerDisruption>;
  redeploy(strategy: 'rolling' | 'at-once', target: Target): Promise<WorkerDisruption>;
  scale(to: Partial<Shape>): Promise<WorkerDisruption>;
}

/** A fault on a backend service, as the services carry it out. */
export type ServiceFault =
  | { kind: 'restart_service'; service: string; graceMs?: number }
  | { kind: 'outage'; service: string; ms: number }
  | { kind: 'wipe_service'; service: string };

export interface ServiceFaultDone {
  service: string;
  description: string;
  /** Where it ran before and after the fault (pid or container). */
  before: string;
  after?: string;
  /** For an outage: how long it stays down. */
  outageMs?: number;
  durationMs: number;
}

/** The services' fault control. */
export interface FaultControl {
  apply(fault: ServiceFault): Promise<ServiceFaultDone>;
}

/** What a disruption acts on: the app's workers, its services, and the run's abort signal. */
export interface DisruptionStack {
  workers: WorkerControl;
  services: FaultControl;
  signal?: AbortSignal | undefined;
}

/** What applying a step did: the evidence of the step's record. */
export interface Applied {
  description: string;
  changes: WorkerChange[];
  /** A fault on a service: which, where it ran before and after (pid or container), how long it is down. */
  service?: { name: string; before: string; after?: string; outageMs?: number };
  durationMs: number;
}

/** A problem a step has beyond its schema, found against the topology in force at that step. */
export interface StepProblem {
  message: string;
  hint?: string;
}

/**
 * One kind of disruption: its YAML, its validation, whom it hits, how it is applied and how
 * evidence words it. `P` is the step as the engine knows it, less its place (`step`, `at`,
 * `during`), which every kind has alike.
 */
export interface DisruptionSpec<P extends { kind: string }, S extends z.ZodType = z.ZodType> {
  kind: P['kind'];
  /** The step's schema: a map under the kind's key (`restart: r1w1`), plus `during:` if it takes turns in flight. */
  schema: S;
  /** It can be written as a bare word (`- restart`): the step with its defaults. */
  bare: boolean;
  /** It takes turns in flight (`during:`), routed to the workers it hits. */
  inFlight: boolean;
  /** Turns in flight on a worker it hits can never be answered (SIGKILL): they must allow failing. */
  dropsInFlight: boolean;
  /** The schema's output → the step. A bare word comes as its key with `null` (`{ restart: null }`). */
  normalize(input: z.output<S>): Omit<P, 'kind'>;
  /** The workers it hits (restarts, kills, replaces, adds, stops) and the shape after it. */
  hits(step: P, shape: Shape): { workers: WorkerId[]; shape: Shape };
  /** Checks beyond the schema, against the topology in force at this step (targets are checked for every kind). */
  check?(step: P, shape: Shape): StepProblem[];
  /** Carry it out. */
  apply(step: P, stack: DisruptionStack): Promise<Applied>;
  /** The one wording of the step everywhere (progress, reports, load): `redeploy all (rolling)`. */
  text(step: P): string;
  evidence: {
    /** Changes show the replica's disk generation (a redeploy makes a new one). */
    generation: boolean;
    /** A worker killed after its grace period is worth a note (not when killing is the point). */
    forcedNote: boolean;
  };
}

/** A worker disruption's record as evidence keeps it. */
export function fromWorkers(d: WorkerDisruption): Applied {
  return { description: d.description, changes: d.changes, durationMs: d.durationMs };
}
