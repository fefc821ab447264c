import type { ResolvedConfig } from '../config/types.ts';

/** How to send a turn and read the answer: `chat:` of `amnesia.config.yaml`, resolved. */
export type ChatSpec = ResolvedConfig['chat'];

/** Why a turn produced no reply. `message` is actionable and quotes the status and body. */
export type ChatFailure =
  /** No complete answer within `chat.timeout`, including reading a stream. */
  | { kind: 'timeout'; message: string }
  /** Refused, reset, or the socket closed before the body was complete. */
  | { kind: 'connection'; message: string }
  /** A status outside 2xx (redirects are not followed: a 3xx is reported with its location). */
  | { kind: 'http'; message: string }
  /** 2xx, but the reply is not where the config says (not JSON, path missing, bad event stream). */
  | { kind: 'garbage'; message: string }
  /** The caller's `signal` aborted (the run was cancelled): not the app's fault, not a timeout. */
  | { kind: 'cancelled'; message: string };

export interface ChatResult {
  /** null when no response arrived. */
  status: number | null;
  /** The extracted answer; JSON values that are not strings are `JSON.stringify`d. null on failure. */
  reply: string | null;
  /** The raw response body (for SSE, the raw stream text), first 64 KiB of UTF-8. */
  body: string;
  /** The parsed body when it was JSON (for `reply.json` checks); never set for SSE. */
  json?: unknown;
  /** Request start → body fully read (or the failure). */
  latencyMs: number;
  /** Set when the turn did not produce a reply. */
  failure?: ChatFailure;
  /** Cookies sent and set, and the response headers (secrets masked), when a response arrived. */
  exchange?: ExchangeEvidence;
}

/** A turn's HTTP evidence of client-held state (cookies as name, size and hash; never a value). */
/** A cookie as evidence: its name, its size, and a hash of its value (never the value). */
export interface CookieSeen {
  name: string;
  bytes: number;
  /** The first 12 hex digits of the value's SHA-256: tells values apart without showing them. */
  hash: string;
}

/** What a turn's HTTP exchange says about client-held state. */
export interface ExchangeEvidence {
  /** The cookies the client sent with the turn. */
  sent: CookieSeen[];
  /** The cookies the response set; `replaced` when the client had sent one of that name with another value. */
  set: (CookieSeen & { replaced: boolean })[];
  /** The response headers, lower-case names; values that may carry a secret are masked. */
  headers: Record<string, string>;
}
