import type { DisruptionKind, DisruptionOf } from '../disruptions/index.ts';
import type { Target } from '../disruptions/target.ts';
import type { LlmScriptStep } from '../llm/index.ts';

export { formatTarget, parseTarget, type Target } from '../disruptions/target.ts';
/** Where something was written: reports and annotations point here. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Topology {
  replicas: number;
  workers: number;
  /**
   * Serverless mode (`topology: { serverless: true }`): every turn is served by a newly started
   * process on a fresh copy of the app folder with a fresh TMPDIR, as functions platforms do;
   * `replicas × workers` is the number of instance slots. Unset: long-lived workers.
   */
  serverless?: Serverless;
}

export interface Serverless {
  /** The probability (0–1, seeded) that a turn reuses its slot's previous instance, still warm. @default 0 */
  warm: number;
}

export type RoutingStrategy = 'spread' | 'round-robin' | 'random' | 'sticky';

/** A text that must (or must not) appear, or a regular expression. */
export interface Matcher {
  /** As the author wrote it: `Ada` or `/ada/i`. */
  source: string;
  test(text: string): boolean;
  at: SourceLocation;
}

export type JsonCheck = {
  path: string;
  equals?: unknown;
  contains?: string;
  matches?: Matcher;
  exists?: boolean;
  at: SourceLocation;
};

export interface ReplyExpectations {
  contains: string[];
  notContains: string[];
  matches?: Matcher;
  equals?: string;
  json: JsonCheck[];
  at: SourceLocation;
}

export interface Expectations {
  recall: Matcher[];
  forget: Matcher[];
  /** The previous N user messages of this session must be in the prompt. */
  recallRecent?: { count: number; at: SourceLocation };
  reply?: ReplyExpectations;
  /**
   * `true`: the app must fail this turn (e.g. during an outage of a backend it cannot do without).
   * `allowed`: it may fail or answer (a turn in flight during a restart); an answered one must
   * still be remembered.
   */
  error?: true | 'allowed';
}

export interface TurnStep {
  kind: 'turn';
  /** Index in the scenario's steps, 0-based. */
  step: number;
  session: string;
  /** 1-based index of this turn within its session: `alice#3`. */
  turn: number;
  user: string;
  pin?: Target;
  expect: Expectations;
  llmReply?: string;
  /** The scripted LLM answer (`llm:`): tool calls, then an optional text. */
  llmScript?: LlmScriptStep[];
  /** Its place in a `together` or `during` list (0-based); absent for a turn that is a step of its own. */
  nested?: { in: 'together' | 'during'; index: number };
  at: SourceLocation;
}

/** Turns sent at the same moment, each to its own worker. */
export interface TogetherStep {
  kind: 'together';
  step: number;
  turns: TurnStep[];
  at: SourceLocation;
}

/**
 * A disruption step: its kind's fields (src/disruptions/), its place in the scenario, and, for a
 * kind that takes them, the turns in flight when it starts.
 */
export type DisruptionStep = {
  [K in DisruptionKind]: DisruptionOf<K> & { step: number; during?: TurnStep[]; at: SourceLocation };
}[DisruptionKind];
export type Step = TurnStep | TogetherStep | DisruptionStep;

/** Every user turn of the steps, nested ones (`together`, `during`) included, in the order they are written. */
export function turnsOf(steps: readonly Step[]): TurnStep[] {
  return steps.flatMap((s) =>
    s.kind === 'turn' ? [s] : s.kind === 'together' ? s.turns : 'during' in s && s.during ? s.during : [],
  );
}

/** A validated scenario: typed, positioned, immutable. */
export interface Scenario {
  file: string;
  name: string;
  description?: string;
  tags: string[];
  topology?: Partial<Topology>;
  routing?: RoutingStrategy;
  seed?: number;
  turnTimeoutMs?: number;
  steps: Step[];
  /** Session names in order of first appearance. */
  sessions: string[];
  at: SourceLocation;
}
