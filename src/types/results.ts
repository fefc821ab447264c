import type { ChatFailure, ExchangeEvidence } from '../client/index.ts';
import type { DisruptionKind } from '../disruptions/index.ts';
import type { RecordedLlmRequest } from '../llm/index.ts';
import type { RoutingStrategy, SourceLocation, Topology } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { WorkerChange } from '../topology/types.ts';

/** `answer_kept` is implicit: an earlier answer of the session missing from a prompt that holds its message. */
export type ExpectationKind =
  | 'recall'
  | 'forget'
  | 'recall_recent'
  | 'reply'
  | 'llm_called'
  | 'answered'
  | 'tool_result'
  | 'answer_kept';

/** One check of one turn, judged. */
export interface ExpectationResult {
  kind: ExpectationKind;
  /** What was expected, as written (`Ada`, `/ada/i`, `contains "fruit"`). */
  expected: string;
  passed: boolean;
  /** One sentence: what was found, or what is missing and why it matters. */
  message: string;
  /** Where the expectation was written (for annotations). */
  at: SourceLocation;
  /** For recall: the earlier turn(s) that said the text, and where (for answer_kept: the turn answered). */
  saidIn?: { label: string; worker: WorkerId; pid: number; step: number }[];
  /**
   * A loss that shows only under traffic (failure-table rows 9 and 10): turns of one session answered
   * at once, one of them then forgotten; or a turn in flight during a disruption, dropped or
   * answered and then forgotten.
   */
  cause?: 'lost-update' | 'lost-in-flight';
}

export interface TurnRecord {
  kind: 'turn';
  step: number;
  at: SourceLocation;
  session: string;
  /** The id sent to the app as {{session}}: unique to the run and the scenario. */
  sessionId: string;
  /** `alice#2` */
  label: string;
  user: string;
  worker: WorkerId;
  replica: number;
  pid: number;
  /** The container it ran in (runtime `container`): the short id. */
  container?: string;
  /** The replica's disk generation (redeploys make a new one). */
  generation: number;
  /** How many times this worker id had been started when it served the turn. */
  incarnation: number;
  /** Serverless mode: a newly started process served the turn (`cold`), or its slot's previous one (`warm`). */
  instance?: 'cold' | 'warm';
  /** Why routing chose this worker. */
  reason: string;
  /** Disruptions between this session's previous turn and this one. */
  after: string[];
  /** What else was under way while it was in flight: an `outage` of a service, a disruption (`during:`). */
  during?: string[];
  /** Cookies sent and set by the exchange, and the response headers (secrets masked). */
  exchange?: ExchangeEvidence;
  /** The turns sent at the same moment (`together:`), and where. */
  together?: { label: string; worker: WorkerId }[];
  /** The disruption it was in flight during (`during:`): the turn was held at the LLM until it began. */
  inFlight?: { step: number; description: string };
  startedAt: number;
  latencyMs: number;
  status: number | null;
  reply: string | null;
  failure?: ChatFailure & { outputTail: string[] };
  /** The LLM requests the app made during this turn (attributed by the worker's own base URL). */
  llm: RecordedLlmRequest[];
  expectations: ExpectationResult[];
  passed: boolean;
}

export interface DisruptionStepRecord {
  kind: 'disruption';
  step: number;
  at: SourceLocation;
  type: DisruptionKind;
  description: string;
  changes: WorkerChange[];
  /** A fault on a service: which, where it ran before and after (pid or container), how long it is down. */
  service?: { name: string; before: string; after?: string; outageMs?: number };
  durationMs: number;
  /** The topology after the step. */
  topology: Topology;
}

export type StepRecord = TurnRecord | DisruptionStepRecord;

/** One session's whole user message found in another session's LLM request. */
export interface Leak {
  from: { session: string; label: string; worker: WorkerId; step: number };
  into: { session: string; label: string; worker: WorkerId; step: number };
  /** The leaked message (first 120 characters). */
  text: string;
}

/** What a scenario of several sessions checked of their isolation (its closing line). */
export interface Isolation {
  sessions: number;
  /** Turns served by a process that had already served another session: where a leak can show. */
  sharedTurns: number;
  /** User messages long enough to be told apart, each checked against other sessions' later prompts. */
  facts: number;
  leaks: number;
}

/** A recall whose text showed up in a fresh control session: it would pass without any memory. */
export interface VacuousRecall {
  expected: string;
  at: SourceLocation;
  /** The question asked in the control session. */
  question: string;
  /** Where in the control's LLM request it was found, e.g. `the system message`. */
  foundIn: string;
  excerpt: string;
}

/**
 * A rung of the probe ladder: where a fact said on r1w1 is asked for. Every rung but `CI` pauses
 * after the fact's answer (its save has time to land); `CI` crashes r1w1 at once after the answer,
 * which only an app that answers before its save lands loses where `CR` keeps it. `CC` (concurrent): two more
 * facts of the session said at once on two workers, both asked for on r1w1. `LT` (long-term,
 * climbed only when the app has long-term memory): an old fact, pushed out of a short-term buffer
 * by filler turns, asked on another worker of the replica. `SL` (only when the app runs
 * serverless): on a fresh serverless instance.
 */
export type Rung = 'SW' | 'OW' | 'OR' | 'RS' | 'CR' | 'CI' | 'RD' | 'CC' | 'LT' | 'SL';

export interface RungResult {
  rung: Rung;
  /** true kept, false lost, null not run (the topology cannot have it, or the app failed). */
  kept: boolean | null;
  note?: string;
}

/** A framework the app's source imports (`@langchain/langgraph-checkpoint-postgres`): the advice is given in its terms. */
export interface AppStack {
  /** `LangGraph` */
  name: string;
  /** The import specifier that shows it. */
  imported: string;
}

/** What the probe ladder showed and what it means. */
export interface Diagnosis {
  rungs: RungResult[];
  /** `SW ✓ OW ✗ OR ✗ RS ✓ CR ✗ RD ✗` */
  signature: string;
  /** Rows of the failure table with this signature (empty when none matches). */
  rows: { id: string; cause: string }[];
  /** What to change, in a sentence or two; what the signature means when no row matches; empty when the probe kept every fact of a failed scenario. */
  advice: string;
  /** False when every rung held though the scenario failed: the short probe did not reproduce the loss. */
  reproduced: boolean;
}

/** Why one failed turn failed, read from its own evidence and, where it applies, the probe's signature. */
export interface TurnExplanation {
  step: number;
  /** `main#12` */
  label: string;
  /**
   * What the turn crossed since the fact it missed was said, as rungs of the ladder: `SW` the same
   * process with nothing in between, `OW` another worker, `OR` another replica, `RS`/`CR` a restart or
   * crash of its worker (`CI` besides when the crash came at once after the fact's answer), `RD` a redeploy (a fresh disk), `CC` a fact said at once with another turn
   * of the session, `LT` an old fact (older than the history the prompt held) on another worker.
   * Empty when the turn failed for another reason.
   */
  crossing: Rung[];
  /** Rows of the failure table that explain this turn (`4` trimmed history, `5` a type mismatch, `9` a lost update, `10` a turn lost in flight); empty when none does. */
  rows: string[];
  /** One or two sentences, in plain text. */
  text: string;
}

export type ScenarioStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface ScenarioResult {
  name: string;
  file: string;
  /** The scenario's id in URLs, files and session ids. */
  slug: string;
  description?: string;
  tags: string[];
  status: ScenarioStatus;
  topology: Topology;
  routing: RoutingStrategy;
  seed: number;
  steps: StepRecord[];
  /** Why the scenario could not be judged (the app could not start, a service failed, …). */
  error?: { code: string; message: string };
  /** Whole user messages of one session seen in another session's prompts. A leak outranks every other verdict. */
  leaks: Leak[];
  /** With two sessions or more: what was checked of their isolation. */
  isolation?: Isolation;
  /** Recalls that would pass without memory (found by the control sessions); they make the scenario an error. */
  vacuous: VacuousRecall[];
  /** The probe ladder's signature and diagnosis, when the scenario failed and the ladder ran. */
  diagnosis?: Diagnosis;
  /** Per failed turn, what explains it (the probe's row, a trimmed history, the app's own error), or that nothing does. */
  explanations?: TurnExplanation[];
  /** A framework whose store writes the history, seen in the app's imports (for advice in its terms), when the scenario failed. */
  stack?: AppStack;
  /** When an error stopped the scenario partway: the step it stopped at (`scale`), and the ones that did not run (`main#3`, `restart r1`). */
  stopped?: { at: string; notRun: string[] };
  /**
   * What the reader should know although it is no verdict: the app left daemons running, wrote
   * outside its folder, requests the mock LLM refused, a worker's output cut short… One sentence
   * each, shown in the run's notes.
   */
  notes?: string[];
  /** LLM requests of the scenario that arrived outside any turn (logged, never judged). */
  unattributed: RecordedLlmRequest[];
  startedAt: number;
  durationMs: number;
  /** The folder with worker logs, the LLM request log and the evidence (kept on failure). */
  artifactsDir?: string;
  /** A command that replays this scenario with the same seed. */
  replay: string;
  /** In a merged result: the shard that ran it (its job's artifact holds `artifactsDir`). */
  shard?: { index: number; total: number };
}

export interface RunResult {
  runId: string;
  seed: number;
  startedAt: number;
  durationMs: number;
  /** 0 all passed, 1 a scenario failed, 2 an error (bad input, an app that could not start); 2 wins over 1. */
  exitCode: 0 | 1 | 2;
  scenarios: ScenarioResult[];
  /** Why some scenarios were skipped (not started), when some were: `--bail` after one did not pass. */
  skipped?: string;
  configFile?: string;
  /**
   * Absolute paths outside the replicas that the config hands every worker (`app.env`): every
   * replica reads and writes the same folder there, as if on a network volume, so a cross-replica
   * scenario can pass where production, without such a volume, would lose memory.
   */
  sharedPaths?: { env: string; path: string }[];
  /**
   * Paths that the config hands every worker (`app.env`) inside the app folder: each replica has
   * its own copy of them, never one folder they all share.
   */
  appFolderPaths?: { env: string; path: string }[];
  /** The probe ladder on the run's topology, when asked for with `probe: 'always'`. */
  probe?: { topology: Topology; diagnosis: Diagnosis };
  /** The part of the suite this run was, when it was split over machines (`run({ shard })`). */
  shard?: { index: number; total: number };
}

/** Progress, as it happens. Reporters subscribe; the engine never prints. */
export type RunEvent =
  | { type: 'run-start'; runId: string; seed: number; scenarios: number }
  | {
      type: 'scenario-start';
      scenario: string;
      slug: string;
      topology: Topology;
      routing: RoutingStrategy;
      seed: number;
      /** The probe ladder (run on a fresh topology to diagnose a failed scenario), not a scenario of the run. */
      probe?: true;
    }
  | {
      type: 'worker-ready';
      scenario: string;
      worker: WorkerId;
      pid: number;
      bootMs: number;
      generation: number;
    }
  | { type: 'turn'; scenario: string; turn: TurnRecord }
  | { type: 'disruption'; scenario: string; disruption: DisruptionStepRecord }
  | { type: 'scenario-end'; result: ScenarioResult; probe?: true }
  | { type: 'run-end'; result: RunResult };
