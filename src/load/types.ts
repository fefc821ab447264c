import type { RequestHandler } from 'msw';
import type { ResolvedConfig } from '../config/types.ts';
import type { LlmMessage } from '../llm/index.ts';
import type { Topology } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { FailedShare } from '../schema/primitives.ts';
import type { RuntimeName } from '../schema/runtime.ts';
import type { DisruptionStepRecord } from '../types/results.ts';

export interface LoadTestOptions {
  /** A config file path, or a resolved config. Default: ./amnesia.config.yaml. */
  config?: string | ResolvedConfig;
  cwd?: string;
  /**
   * A scenario file whose disruptions run during the load, each once the share of the load's turns
   * that its place in the scenario says has been sent (a redeploy between turn 2 and 3 of 4 runs
   * at 50 %); its topology applies. Its own turns are not sent. Default: the config's `load.scenario`; none: no disruption.
   */
  scenario?: string;
  /** Synthetic sessions. @default config `load.sessions`, else 100 */
  sessions?: number;
  /** Turns per session (at least 2: a turn asks for what earlier ones said). @default config `load.turns`, else 5 */
  turns?: number;
  /** Sessions in flight at once, each with one turn in flight. @default config `load.concurrency`, else 16 */
  concurrency?: number;
  /**
   * Failed turns the load accepts (a user's message that got no answer is lost to that user).
   * @default config `load.max_failed`, else none
   */
  maxFailed?: FailedShare;
  /** Replaces the config's (and the scenario's) topology. */
  topology?: Partial<Topology>;
  /** Where the topology runs, instead of the config's `app.runtime`. */
  runtime?: RuntimeName;
  /** Per-turn timeout in ms (default: the scenario's, else `chat.timeout`). */
  turnTimeoutMs?: number;
  /** Where a load that lost, leaked or failed leaves its evidence. @default `<cwd>/.amnesia/runs/<runId>` */
  artifactsDir?: string;
  /** Extra msw handlers for the mock LLM. */
  llmHandlers?: RequestHandler[];
  /** How many lost or leaked sessions the result keeps turn by turn. @default 5 */
  evidence?: number;
  onEvent?: (e: LoadTestEvent) => void;
  signal?: AbortSignal;
}

/** Percentiles of turn latency, in ms (nearest rank). */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TurnCounts {
  /** Turns sent to the app. */
  sent: number;
  /** Turns the app answered. */
  answered: number;
  /** Turns the app failed (an error status, a refused or reset connection, a timeout). */
  failed: number;
}

/**
 * Memories judged: each fact an answered turn said, looked for in the prompt of every later
 * answered turn of its session. Leaked: another session's fact in a prompt.
 */
export interface MemoryCounts {
  kept: number;
  lost: number;
  leaked: number;
}

/** A stretch of the load: before the first disruption, during one, or after one (until the next). */
export interface LoadWindow {
  name: 'before' | 'during' | 'after';
  /** The disruption this window is before (the first), during or after. */
  disruption: string;
  turns: TurnCounts;
  memories: MemoryCounts;
  latency: Latency | null;
}

/** One turn of a lost or leaked session, as evidence. */
export interface LoadTurn {
  /** `s0017#3` */
  label: string;
  worker: WorkerId;
  pid: number;
  generation: number;
  /** The window it ran in (its start and end, in ms since the load began). */
  window: string;
  startMs: number;
  endMs: number;
  latencyMs: number;
  status: number | null;
  /** Why the app failed the turn. */
  failure?: string;
  /** The fact this turn said. */
  canary: string;
  /** Set on a verification sweep's turn: the disruption it checked after. */
  sweepAfter?: string;
  /** Facts of earlier answered turns of the session found in this turn's prompt. */
  kept: number;
  /** Facts of earlier answered turns of the session missing from this turn's prompt. */
  lost: { canary: string; saidIn: string; worker: WorkerId; answer?: true }[];
  /** Facts of other sessions found in this turn's prompt. */
  leaked: { canary: string; session: string }[];
  /** What the app sent the LLM (the turn's last chat request), kept for turns that lost or leaked. */
  prompt?: LlmMessage[];
  /** LLM requests attributed to the turn. */
  llmRequests: number;
}

export interface LoadSessionEvidence {
  /** `s0017` */
  session: string;
  /** The id sent to the app as {{session}}. */
  sessionId: string;
  lost: number;
  leaked: number;
  turns: LoadTurn[];
}

/** A turn the app failed. */
export interface LoadFailure {
  label: string;
  worker: WorkerId;
  pid: number;
  /** The window it ran in. */
  window: string;
  startMs: number;
  endMs: number;
  message: string;
}

/** How LLM requests were attributed to turns, and the proof that none went to the wrong one. */
export interface AttributionAudit {
  /** Requests the app made on the load's URLs. */
  requests: number;
  /** Requests attributed to a turn by its marker. */
  attributed: number;
  /**
   * Requests never judged: they named no turn in flight (made outside a turn, or with no marker),
   * or arrived after their turn ended (the app kept calling the LLM after it answered).
   */
  unattributed: number;
  /**
   * Requests attributed to a turn that was sent to another worker than the one whose URL the
   * request used, plus answers that named another turn than their own (`ack s0003#2` in the
   * reply of s0017#4): both must be 0, or the verdicts cannot be trusted.
   */
  misattributed: number;
  /** The first few misattributions, described. */
  examples: string[];
}

/**
 * A verification sweep: once a disruption (and, after the last one, the traffic) has finished,
 * each session that said a fact asks once more for all its facts, spread over the live workers.
 */
export interface LoadSweep {
  /** The disruption it checks after (its description once done). */
  after: string;
  startMs: number;
  endMs: number;
  /** Sessions that had said a fact by then: each asked once. */
  sessions: number;
  /** Of those, the ones whose question was answered (their facts judged). */
  checked: number;
  /** Sessions started by then (a session whose turns all failed has no fact to ask for). */
  started: number;
  failed: number;
  memories: MemoryCounts;
  /** Questions sent to each worker, in routing order (every worker gets some once there are as many sessions). */
  workers: { worker: WorkerId; generation: number; turns: number }[];
}

/** Failed turns of one window with one reason. */
export interface LoadFailureGroup {
  /** `during redeploy all (rolling, fresh disks)`; `no disruption` when none ran. */
  window: string;
  reason: string;
  turns: number;
}

export interface LoadTestResult {
  runId: string;
  startedAt: number;
  durationMs: number;
  /**
   * 0 nothing lost or leaked and no more turns failed than accepted; 1 lost, leaked, too many
   * failed turns, or a disruption after which no session could be checked; 2 could not load the
   * app (or could not trust the attribution).
   */
  exitCode: 0 | 1 | 2;
  configFile?: string;
  /** The scenario whose disruptions ran. */
  scenarioFile?: string;
  topology: Topology;
  sessions: number;
  turnsPerSession: number;
  concurrency: number;
  turns: TurnCounts & {
    /** Answered turns for which the app made no chat request to the LLM (their recalls count as lost). */
    withoutLlm: number;
    /** Of the turns sent, those the verification sweeps sent. */
    sweep: number;
  };
  /** What made the load fail (exit 1): memories lost or leaked, failed turns beyond the accepted share, a disruption nothing was checked after. Empty when it passed or could not run. */
  verdicts: string[];
  memories: MemoryCounts;
  /** Latency of answered turns. */
  latency: Latency | null;
  /** Turns sent per second, over the time traffic ran. */
  turnsPerSecond: number;
  /** Failed turns accepted (`load.max_failed`), and what that allowed of the turns sent. */
  maxFailed: FailedShare & { allowed: number };
  /** Every failed turn, grouped by window and reason. */
  failedBy: LoadFailureGroup[];
  /** The verification sweeps, one after each disruption that ran. */
  sweeps: LoadSweep[];
  /** Before, during and after each disruption; empty when none ran. */
  windows: LoadWindow[];
  /** The disruptions, with when they ran (ms since the load began). */
  disruptions: (DisruptionStepRecord & { startMs: number; endMs: number })[];
  llm: AttributionAudit;
  /** The first sessions (in the order they finished) that lost or leaked, turn by turn. */
  evidence: LoadSessionEvidence[];
  /** The first turns the app failed, and why. */
  failures: LoadFailure[];
  /** Why the load could not run (the app could not start, a disruption failed). */
  error?: { code: string; message: string };
  /** The folder with the worker logs and the result, when something was lost, leaked or failed. */
  artifactsDir?: string;
}

/** What a load run has done so far. */
export interface LoadProgress {
  /** Turns the load will send in all. */
  total: number;
  /** Turns of the traffic sent (sweeps apart). */
  sent: number;
  /** Turns the verification sweeps sent. */
  sweepTurns: number;
  answered: number;
  failed: number;
  kept: number;
  lost: number;
  leaked: number;
  elapsedMs: number;
  /** While a verification sweep runs: what it checks after, and its sessions asked so far. */
  sweep?: { after: string; asked: number; of: number };
}

/** Progress as it happens; reporters subscribe, the engine never prints. */
export type LoadTestEvent =
  | {
      type: 'load-start';
      runId: string;
      topology: Topology;
      sessions: number;
      turnsPerSession: number;
      concurrency: number;
      /** Each planned disruption and the turn count after which it starts. */
      disruptions: { description: string; afterTurns: number }[];
    }
  | { type: 'load-ready'; workers: number; bootMs: number }
  | { type: 'load-progress'; progress: LoadProgress }
  | { type: 'load-disruption-start'; description: string; progress: LoadProgress }
  | { type: 'load-disruption'; disruption: DisruptionStepRecord; progress: LoadProgress }
  | { type: 'load-sweep-start'; after: string; sessions: number; workers: number; progress: LoadProgress }
  | { type: 'load-sweep'; sweep: LoadSweep; progress: LoadProgress }
  | { type: 'load-end'; result: LoadTestResult };
