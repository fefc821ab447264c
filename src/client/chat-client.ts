import { getPath, type PathSegment, parsePath } from '../util/json-path.ts';
import { excerpt } from '../util/text.ts';
import { BodyRecorder, ReplyTooLarge, readText, recorded } from './body.ts';
import type { CookieJar } from './cookie-jar.ts';
import { exchangeEvidence } from './cookies.ts';
import { answered, exchangeFailure } from './failure.ts';
import { buildChatRequest } from './request.ts';
import { readSse } from './sse.ts';
import { assembleSse } from './sse-reply.ts';
import type { ChatFailure, ChatResult, ChatSpec } from './types.ts';

export type { ChatFailure, ChatResult, ChatSpec } from './types.ts';

export interface SendChatOptions {
  /** The worker, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  spec: ChatSpec;
  /** The session id amnesia made (`{{session}}`). */
  session: string;
  /** The user's text (`{{message}}`). */
  message: string;
  /** The chat session's cookies: sent, and updated from every response (errors too). */
  jar: CookieJar;
  /** Aborts the request when the run is cancelled; reported as `kind: 'cancelled'`. */
  signal?: AbortSignal;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Clock for `latencyMs`. @default performance.now */
  now?: () => number;
}

/**
 * Sends one user turn to one worker and extracts the answer as `chat.reply` says.
 *
 * Never throws for the app's misbehaviour: a refused connection, a timeout (`chat.timeout` covers
 * the whole exchange, stream included), a non-2xx status or a reply that is not where the config
 * says all come back as a `ChatResult` with `failure`. Redirects are not followed (a 3xx is an
 * `http` failure naming its location), so no `Set-Cookie` is lost on the way.
 *
 * @throws Error only for config mistakes: an unsupported JSON path in `chat.reply`, or a
 *   `chat.headers` value that is not valid HTTP once rendered.
 * @example
 * const result = await sendChat({ baseUrl, spec: config.chat, session, message: 'hi', jar });
 * if (result.failure) console.log(result.failure.message);
 */
export async function sendChat(options: SendChatOptions): Promise<ChatResult> {
  const { spec, jar } = options;
  const fetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => performance.now());
  const replyPath = spec.reply.kind === 'text' ? undefined : parsePath(spec.reply.path);
  const request = buildChatRequest({ ...options, cookie: jar.header() });
  const sentCookies = jar.snapshot();
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const recorder = new BodyRecorder(spec.maxReplyBytes);
  const start = now();
  let response: Response | undefined;
  const finish = (fields: Partial<ChatResult>): ChatResult => ({
    status: response?.status ?? null,
    reply: null,
    body: recorder.text(),
    latencyMs: now() - start,
    ...fields,
  });
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal,
    });
    const setCookie = response.headers.getSetCookie();
    jar.store(setCookie);
    const exchange = exchangeEvidence(sentCookies, setCookie, response.headers);
    const answer = await readAnswer(response, spec, replyPath, recorder, request.label);
    return finish({ ...answer, exchange });
  } catch (error) {
    if (error instanceof ReplyTooLarge) {
      const head = response ? answered(request.label, response) : request.label;
      return finish({
        failure: {
          kind: 'garbage',
          message: `${head} but the answer went past ${formatSize(error.limit)} (chat.max_reply): amnesia stopped reading it; ${excerpt(recorder.text())}`,
        },
      });
    }
    const failure = exchangeFailure(error, {
      label: request.label,
      response,
      cancelled: options.signal?.aborted ?? false,
      timedOut: timeout.aborted,
      timeoutMs: spec.timeoutMs,
      received: recorder.bytes,
      body: recorder.text(),
    });
    return finish({ failure });
  }
}

/** Reads the body and finds the reply in it; throws only what reading the body throws. */
async function readAnswer(
  response: Response,
  spec: ChatSpec,
  replyPath: PathSegment[] | undefined,
  recorder: BodyRecorder,
  label: string,
): Promise<Partial<ChatResult>> {
  const head = answered(label, response);
  const reply = spec.reply;
  if (reply.kind === 'sse' && response.ok && mediaType(response) === 'text/event-stream') {
    const events = readSse(recorded(response.body ?? emptyBody(), recorder));
    const assembled = await assembleSse(events, { path: reply.path, done: reply.done });
    return assembled.ok ? { reply: assembled.text } : garbage(`${head} but ${assembled.problem}`);
  }
  // The status is the news for an error: a body cut short is still quoted as far as it came.
  const read = readText(response.body, recorder);
  const text = response.ok ? await read : await read.catch(() => recorder.text());
  const json = parseJson(text);
  const withJson = json.ok ? { json: json.value } : {};
  if (!response.ok) return { ...withJson, failure: httpFailure(response, head, text) };
  if (reply.kind === 'text') return { ...withJson, reply: text };
  if (reply.kind === 'sse') {
    const type = response.headers.get('content-type') ?? 'no content-type';
    const where = `(reply: { sse: ${reply.path} })`;
    return {
      ...withJson,
      ...garbage(`${head} with ${type}, not text/event-stream ${where}: ${excerpt(text)}`),
    };
  }
  if (!json.ok) return garbage(`${head} but the body is not JSON (reply: ${reply.path}): ${excerpt(text)}`);
  const found = getPath(json.value, replyPath ?? []);
  if (!found.found)
    return { ...withJson, ...garbage(`${head} but ${reply.path} is missing in ${excerpt(text)}`) };
  return { ...withJson, reply: typeof found.value === 'string' ? found.value : JSON.stringify(found.value) };
}

function garbage(message: string): Partial<ChatResult> {
  return { failure: { kind: 'garbage', message } };
}

function httpFailure(response: Response, head: string, text: string): ChatFailure {
  const location = response.headers.get('location');
  const redirect = location ? ` (location: ${location}; redirects are not followed)` : '';
  return { kind: 'http', message: `${head}${redirect}: ${excerpt(text)}` };
}

function mediaType(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

function formatSize(bytes: number): string {
  return bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}
