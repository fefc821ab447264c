import type { RequestHandler } from 'msw';

/** One chat message as the app sent it, its content flattened to text (content-part arrays joined by `\n`). */
export interface LlmMessage {
  role: string;
  content: string;
}

/** What the engine tells the mock LLM about the user turn in flight on one worker. */
export interface TurnScope {
  /** Engine-chosen unique id, e.g. `'t7'`. */
  turnId: string;
  /** Session name in the scenario, e.g. `'alice'`. */
  session: string;
  /** `session#index` of the user turn, 1-based, e.g. `'alice#3'`. */
  label: string;
  /** This session's earlier user turns, oldest first. */
  priorTurns: { label: string; text: string }[];
  /** A scripted reply for this turn; overrides the default reply. */
  reply?: string;
  /**
   * A scripted answer for this turn, in order: tool calls (each answered once the app sent its result
   * back), then an optional final text (else the default reply). Served on whichever API the app speaks.
   */
  script?: readonly LlmScriptStep[];
}

/** One step of a turn's scripted LLM answer. */
export type LlmScriptStep =
  | { toolCall: { name: string; arguments?: Record<string, unknown> } }
  | { text: string };

/** A tool call the mock LLM answered with (scripted), as the app was asked to run it. */
export interface LlmToolCall {
  id: string;
  name: string;
  /** JSON text. */
  arguments: string;
}

/** A tool result the app sent back to the model (`role: tool`, `function_call_output`, `tool_result`). */
export interface LlmToolResult {
  /** The id of the call it answers. */
  id: string;
  output: string;
}

/**
 * What a recorded request was:
 * - `chat`: a request for a model answer on any API amnesia serves (Chat Completions, Responses,
 *   Anthropic Messages), whoever answered it;
 * - `embeddings`, `models`: those OpenAI routes;
 * - `state`: provider-side state (a stored response, the Conversations API), no model answer;
 * - `other`: another route, answered by a user handler;
 * - `unmatched`: no handler answered it (the app got a 400);
 * - `too-large`: its body was over `llm.max_request` (the app got a 413; the body was not kept).
 */
export type LlmRequestKind = 'chat' | 'embeddings' | 'models' | 'state' | 'other' | 'unmatched' | 'too-large';

export interface RecordedLlmRequest {
  /** 1, 2, 3… across the server, in order of arrival. */
  seq: number;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** The `<scope>` path segment (e.g. the scenario slug); `''` on the bare `/v1` URL. */
  scope: string;
  /** The worker path segment, e.g. `'r1w2'`; `''` on the bare `/v1` URL. */
  worker: string;
  /** The turn in flight on that worker when the request arrived; `null` outside any turn (never judged). */
  turnId: string | null;
  kind: LlmRequestKind;
  method: string;
  /** Path after `/v1`, e.g. `'/chat/completions'` (the whole path when it has no `/v1`). */
  path: string;
  stream: boolean;
  /**
   * Chat only, else `[]`: the context the model effectively had. For Chat Completions and Anthropic
   * Messages, the messages sent (system first); for the Responses API, the resolved
   * `previous_response_id` chain or conversation, then the instructions and the new input. Tool
   * results are messages of role `tool`.
   */
  messages: LlmMessage[];
  /** Chat only: the tool calls the mock answered with (a turn's script). */
  toolCalls?: LlmToolCall[];
  /** Chat only: the tool results the app sent in this request (new input, not the chain's). */
  toolResults?: LlmToolResult[];
  /**
   * Responses API: the stored response the request chained from (`previous_response_id`) or the
   * conversation it continued, and the session and turn that made its first link (`null` outside a turn).
   */
  chain?: { id: string; session: string | null; label: string | null };
  /** Embeddings input(s), else `[]`. */
  input: string[];
  /** Parsed JSON body, the raw text when it is not JSON, `null` when there is none. */
  body: unknown;
  /** Status the server answered. */
  status: number;
  /** Assistant text sent back (chat), else `null`. */
  reply: string | null;
  /** Why the mock LLM refused the request without reading it (`too-large`). */
  refusal?: string;
}

export interface MockLlmOptions {
  /** User msw handlers; they run before the defaults. */
  handlers?: RequestHandler[];
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default 256 */
  embeddingDimensions?: number;
  /** A request body over this many bytes is refused with a 413 and not kept (`llm.max_request`). @default 8 MiB */
  maxRequestBytes?: number;
  /** Connections open at once; more are closed as they come, and counted (`droppedConnections`). @default 2048 */
  maxConnections?: number;
}

/** What the engine may do with a turn's LLM requests, besides recording them. */
export interface TurnHooks {
  /**
   * Called when the turn's first LLM request arrives; that request is answered only once the
   * promise returned settles. The engine uses it to make turns overlap for sure (`together:`),
   * or to keep a turn in flight until a disruption has begun (`during:`).
   */
  firstRequest?: () => Promise<void>;
}

export interface MockLlm extends AsyncDisposable {
  /**
   * `'http://127.0.0.1:PORT/k/<key>'`: the root of every URL the mock answers. The key is random per
   * server (128 bits): a request without it gets a 404 and is neither attributed nor recorded, so no
   * other local process can write into a run's evidence. Never print it.
   */
  readonly url: string;
  /** The key itself, for hiding it where a worker prints it (its log). Never print it. */
  readonly key: string;
  /** `'http://127.0.0.1:PORT'`, without the key. */
  readonly origin: string;
  /** `${url}/s/${encodeURIComponent(scope)}/w/${encodeURIComponent(worker)}/v1`: give it to one worker as `OPENAI_BASE_URL`. */
  baseUrl(scope: string, worker: string): string;
  /** `baseUrl` as reports show it: the key replaced by `<key>`. */
  shownBaseUrl(scope: string, worker: string): string;
  /**
   * How many requests naming `scope` (`''`: naming none) came without the run's key and were refused
   * since the scope was last cleared.
   */
  refused(scope: string): number;
  /** How many connections were closed as they came because `maxConnections` were open, since the start. */
  droppedConnections(): number;
  /** Attributes every request arriving on this worker's URL to `turn` until `endTurn`. Throws if a turn is already in flight there. */
  beginTurn(scope: string, worker: string, turn: TurnScope, hooks?: TurnHooks): void;
  /**
   * Closes the worker's turn; returns the requests attributed to it and answered so far, in order.
   * Throws if none is in flight.
   */
  endTurn(scope: string, worker: string): RecordedLlmRequest[];
  /**
   * A turn attributed by a marker, for many turns in flight on one worker (load): every request on
   * a URL of `scope` whose body holds `marker` (in its last user message, when several markers are
   * in it) belongs to `turn`, whichever worker's URL it used. Markers must not contain one
   * another. Throws if the marker is already in flight.
   */
  beginMarkedTurn(scope: string, marker: string, turn: TurnScope): void;
  /**
   * Ends a marked turn; returns its requests answered so far, in order (they are handed over, not
   * kept for `requests()`). Throws if none is in flight.
   */
  endMarkedTurn(scope: string, marker: string): RecordedLlmRequest[];
  /** Recorded requests in order; `turnId: null` selects those that arrived outside any turn. */
  requests(filter?: { scope?: string; turnId?: string | null }): RecordedLlmRequest[];
  /** Forgets a scope's records and any turn still in flight in it (a finished scenario). */
  clear(scope: string): void;
  /** Idempotent; also closes keep-alive and streaming connections. */
  stop(): Promise<void>;
}
