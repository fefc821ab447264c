import type { RequestHandler } from 'msw';
import type { ResolvedConfig } from '../config/types.ts';
import type { LlmScriptStep } from '../llm/index.ts';
import type { RoutingStrategy, Topology } from '../scenario/types.ts';
import type { WorkerInfo } from '../topology/types.ts';
import type { DisruptionStepRecord, Leak, StepRecord, TurnRecord } from '../types/results.ts';

/** Every worker (`all`), a replica (`r2`) or one worker (`r2w1`), 1-based. */
export type TargetName = 'all' | `r${number}` | `r${number}w${number}`;

export interface StartAppOptions {
  /** `amnesia.config.yaml` (how to start and talk to the app), or a resolved config. @default './amnesia.config.yaml' */
  config?: string | ResolvedConfig;
  /** Where relative paths start. @default process.cwd() */
  cwd?: string;
  /** Replicas × workers. @default the config's (2 × 2) */
  topology?: Partial<Topology>;
  /** Which worker an unpinned turn goes to, as in scenario files. @default the config's (`spread`) */
  routing?: RoutingStrategy;
  /** Seed for `random` routing. */
  seed?: number;
  /** Per-turn timeout in ms. @default the config's `chat.timeout` */
  turnTimeout?: number;
  /** Extra msw handlers for the mock LLM (before the config's and the defaults). */
  llmHandlers?: RequestHandler[];
}

export interface SayOptions {
  /** Pin the turn to a worker (`r1w2`) or a replica (`r2`); otherwise routing decides. */
  on?: Exclude<TargetName, 'all'>;
  /** What the mock LLM answers to this turn. */
  llmReply?: string;
  /**
   * What the mock LLM answers to this turn, in order: tool calls (each once the app sent the previous
   * one's result back), then an optional final text; as `llm:` in a scenario.
   * @example { llm: [{ toolCall: { name: 'save_memory', arguments: { fact: 'dog: Rex' } } }, { text: 'Saved.' }] }
   */
  llm?: LlmScriptStep[];
}

/** A turn of a code-first test: where it ran, what the app sent the LLM, what it answered. */
export type Turn = TurnRecord;

/** One chat session: its own session id and cookies. */
export interface ChatSession {
  readonly name: string;
  /** The id sent to the app as `{{session}}`: unique to the run. */
  readonly id: string;
  /**
   * Send a user message and wait for the answer. Throws TurnFailedError when the app gives none
   * (an error status, a timeout, a worker that died), with the worker's last output lines.
   */
  say(text: string, options?: SayOptions): Promise<Turn>;
  /** This session's turns so far. */
  turns(): readonly Turn[];
}

/** The app under test, started as replicas × workers, with its services and amnesia's mock LLM. */
export interface App extends AsyncDisposable {
  readonly runId: string;
  /** The topology now (after any scale). */
  readonly topology: Topology;
  workers(): WorkerInfo[];
  session(name: string): ChatSession;
  /** Graceful: SIGTERM, up to `grace` ms (default: the config's `stop_grace`), then SIGKILL; start again on the same disk. */
  restart(target?: TargetName, options?: { grace?: number }): Promise<DisruptionStepRecord>;
  /** SIGKILL, then respawn on the same disk, as a supervisor would. */
  crash(target?: TargetName): Promise<DisruptionStepRecord>;
  /** New processes on fresh disks; `rolling` (default) replaces one replica at a time. */
  redeploy(
    target?: TargetName,
    options?: { strategy?: 'rolling' | 'at-once' },
  ): Promise<DisruptionStepRecord>;
  scale(to: Partial<Topology>): Promise<DisruptionStepRecord>;
  /** Every turn and disruption so far, in order. */
  steps(): readonly StepRecord[];
  turns(): readonly Turn[];
  /** Whole user messages of one session found in another session's prompts. */
  leaks(): Leak[];
  /** Stop every process, the mock LLM and the services; remove the disks. Idempotent. */
  stop(): Promise<void>;
}
