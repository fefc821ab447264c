import type { ResolvedConfig } from '../config/types.ts';
import type { DisruptionKind, WorkerControl, WorkerDisruption } from '../disruptions/index.ts';
import type { ExitInfo } from '../errors.ts';
import type { Target, Topology } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { PortAllocator } from './free-port.ts';

export type { WorkerChange } from '../disruptions/index.ts';

import type { OutputCut } from './output-log.ts';
import type { ProcessRegistry } from './process-registry.ts';

/** A live worker, as evidence and routing see it. */
export interface WorkerInfo {
  id: WorkerId;
  replica: number;
  worker: number;
  pid: number;
  port: number;
  url: string;
  /** The replica's disk generation: 1 at start, +1 per redeploy. */
  generation: number;
  /** How many times this worker id has been started (1 = first boot). */
  incarnation: number;
  /** Its full output. */
  logFile: string;
  /** Ports another process took between amnesia's pick and the worker's bind (it was started again). */
  portsTaken?: number[];
  /** The container it runs in (runtime `container`): the short id. */
  container?: string;
}

/** What a runtime did to its workers in one disruption. */
export interface DisruptionRecord extends WorkerDisruption {
  kind: DisruptionKind;
}

export type TopologyEvent =
  | { type: 'worker-ready'; worker: WorkerInfo; bootMs: number }
  /** A disruption has just sent the worker its stop signal: what it had in flight is now at stake. */
  | {
      type: 'worker-signalled';
      id: WorkerId;
      pid: number;
      port: number;
      signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP';
    }
  | { type: 'worker-stopped'; id: WorkerId; pid: number; exit: ExitInfo; forced: boolean }
  /** A worker's log, now closed, had to leave output out (a flood, or lines without end). */
  | { type: 'output-cut'; id: WorkerId; cut: OutputCut };

export interface WorkerEnvInput {
  id: WorkerId;
  replica: number;
  worker: number;
  port: number;
  dataDir: string;
}

export interface TopologyOptions {
  /** Names this topology in file names and messages (the scenario slug). */
  scope: string;
  topology: Topology;
  app: ResolvedConfig['app'];
  /** Where replica disks live (a private temp folder of the run). */
  runDir: string;
  /** Where copies of the app go in copy mode (inside the project). */
  copyDir: string;
  /** Hears what a copy's workers wrote above it (`../x (new)`), as its disk is removed (copy mode). */
  onOutsideWrites?: (entries: string[]) => void;
  /** Where worker output files go. */
  logsDir: string;
  /** The environment every worker starts from (amnesia's own, credentials withheld). */
  baseEnv: NodeJS.ProcessEnv;
  workerEnv(input: WorkerEnvInput): Record<string, string>;
  /** Placeholders of the engine's (the mock LLM's URLs) for `app.env` and `app.command`, besides the topology's own. */
  placeholders?(input: WorkerEnvInput): Record<string, string>;
  /** Secrets a worker's environment carries (the mock LLM's key): written to its log as `<key>`. */
  hidden?: readonly string[];
  registry: ProcessRegistry;
  ports: PortAllocator;
  onEvent?: (e: TopologyEvent) => void;
  /** Seeds the serverless mode's warm reuse (`topology.serverless.warm`), so a replay starts the same instances. */
  seed?: number;
  signal?: AbortSignal;
}

/** The runtime interface: `process` (processRuntime) and `container` (containerRuntime) fill it. */
export interface Runtime {
  start(options: TopologyOptions): Promise<StartedTopology>;
}

export interface StartedTopology extends AsyncDisposable, WorkerControl {
  workers(): WorkerInfo[];
  worker(id: WorkerId): WorkerInfo | undefined;
  /** True when the worker's process has exited on its own since it last started. */
  exitedOnItsOwn(id: WorkerId): ExitInfo | undefined;
  /** The worker's exit if it exits within ms (output drained), else undefined: a failed request's cause. */
  exitWithin(id: WorkerId, ms: number): Promise<ExitInfo | undefined>;
  outputTail(id: WorkerId, lines?: number): string[];
  /**
   * Called before a turn is sent to the worker. Serverless mode gives the turn a newly started
   * process on a fresh disk (`cold`) or, by the seeded `warm` probability, the slot's previous one
   * (`warm`); long-lived topologies have no such method.
   */
  acquire?(id: WorkerId): Promise<'cold' | 'warm'>;
  restart(target: Target, graceMs?: number): Promise<DisruptionRecord>;
  crash(target: Target): Promise<DisruptionRecord>;
  pause(target: Target, ms: number): Promise<DisruptionRecord>;
  redeploy(strategy: 'rolling' | 'at-once', target: Target): Promise<DisruptionRecord>;
  scale(to: Partial<Topology>): Promise<DisruptionRecord>;
  /** Stop every worker and remove every disk. Idempotent. */
  stop(): Promise<void>;
}
