import { STATUS_CODES } from 'node:http';
import { durationSetting } from '../util/duration.ts';
import { excerpt } from '../util/text.ts';
import type { ChatFailure } from './types.ts';

/** `500 Internal Server Error`, with the standard reason phrase when the server sent none. */
export function statusLine(response: Response): string {
  const reason = response.statusText || STATUS_CODES[response.status] || '';
  return reason ? `${response.status} ${reason}` : String(response.status);
}

/** `POST /chat answered 200`, or `… answered 500 Internal Server Error` outside 2xx. */
export function answered(label: string, response: Response): string {
  return `${label} answered ${response.ok ? response.status : statusLine(response)}`;
}

/** What went wrong when `fetch` or reading the body threw. */
export function exchangeFailure(
  error: unknown,
  context: {
    label: string;
    response: Response | undefined;
    cancelled: boolean;
    timedOut: boolean;
    timeoutMs: number;
    received: number;
    body: string;
  },
): ChatFailure {
  const { label, response } = context;
  if (context.cancelled) {
    const when = response ? 'while reading the answer' : 'before an answer arrived';
    return { kind: 'cancelled', message: `${label}: cancelled ${when} (the run was aborted)` };
  }
  const but = response ? `${answered(label, response)} but` : undefined;
  const soFar = `received ${context.received} byte${context.received === 1 ? '' : 's'}: ${excerpt(context.body)}`;
  if (context.timedOut) {
    const limit = `within ${durationSetting(context.timeoutMs)} (chat.timeout)`;
    return but
      ? { kind: 'timeout', message: `${but} the body was not complete ${limit}; ${soFar}` }
      : { kind: 'timeout', message: `${label}: no answer ${limit}` };
  }
  const code = errorCode(error);
  const closed = code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
  if (but && closed)
    return {
      kind: 'connection',
      message: `${but} the connection closed before the body was complete — did the worker crash? ${cap(soFar)}`,
    };
  if (but)
    return {
      kind: 'connection',
      message: `${but} reading the body failed (${describe(error, code)}); ${soFar}`,
    };
  if (code === 'ECONNREFUSED')
    return { kind: 'connection', message: `${label}: connection refused — is the worker still running?` };
  if (closed)
    return {
      kind: 'connection',
      message: `${label}: the worker closed the connection without answering — did it crash?`,
    };
  return { kind: 'connection', message: `${label}: ${describe(error, code)}` };
}

/** The `code` of an error or of its `cause` chain (`fetch failed` hides `ECONNREFUSED` there). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
    else e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/** `fetch failed: bad port`, `terminated: other side closed (UND_ERR_SOCKET)`. */
function describe(error: unknown, code: string | undefined): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}${code ? ` (${code})` : ''}`;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
