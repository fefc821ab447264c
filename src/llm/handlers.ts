import { http, type RequestHandler } from 'msw';
import { defaultReply } from './default-reply.ts';
import type { PlainResponse } from './http-adapter.ts';
import {
  chatCompletion,
  chatCompletionStream,
  embeddings,
  model,
  modelList,
  openAiError,
  roughTokens,
  toResponse,
} from './openai-responses.ts';
import { bodyStart, chatMessages, embeddingInputs, field, parseBody } from './request-body.ts';
import { HIDDEN_KEY_PREFIX, hideKey, parseRoute, SERVED, scopedPrefix } from './routes.ts';
import type { TurnScope } from './types.ts';

/** What the default handlers need to know about a request besides the request itself. */
export interface LlmRequestFacts {
  /** Used for completion ids. */
  seq: number;
  /** Unix seconds, for `created`. */
  created: number;
  turn: TurnScope | null;
  /** The request body, read once (a user handler before the defaults may have consumed the request's). */
  bodyText: string;
}

/** What the default handlers answered, for the request log. */
export type LlmHandlerOutcome = { reply: string } | { unmatched: true } | { tooLarge: string };

export interface LlmHandlerHooks {
  embeddingDimensions: number;
  facts(request: Request): Promise<LlmRequestFacts>;
  answered(request: Request, outcome: LlmHandlerOutcome): void;
}

export interface DefaultLlmHandlerOptions {
  /** @default 256 */
  embeddingDimensions?: number;
  /** The turn a request belongs to; without it every chat reply is `ack (no turn)`. */
  turn?: (request: Request) => TurnScope | null;
}

const MAX_DIMENSIONS = 8192;

/**
 * The mock LLM's OpenAI-compatible handlers, for use in any msw setup (e.g. `setupServer`). They answer
 * chat completions (JSON or SSE), embeddings and the model list under any `…/v1`, and every other request
 * with a 400 that names it. Put your own handlers before them.
 *
 * @example setupServer(http.post('*\/chat/completions', () => HttpResponse.json(myReply)), ...defaultLlmHandlers())
 */
export function defaultLlmHandlers(options: DefaultLlmHandlerOptions = {}): RequestHandler[] {
  let seq = 0;
  return createLlmHandlers({
    embeddingDimensions: options.embeddingDimensions ?? 256,
    facts: async (request) => ({
      seq: ++seq,
      created: Math.floor(Date.now() / 1000),
      turn: options.turn?.(request) ?? null,
      bodyText: request.bodyUsed ? '' : await request.clone().text(),
    }),
    answered: () => {},
  });
}

/** A default handler's answer, and what it says it answered (for the request log). */
export interface DefaultAnswer {
  response: PlainResponse;
  outcome?: LlmHandlerOutcome;
}

/** The default handlers wired to a mock server's request log. */
export function createLlmHandlers(hooks: LlmHandlerHooks): RequestHandler[] {
  const respond = async (
    request: Request,
    answer: (facts: LlmRequestFacts, label: string) => DefaultAnswer,
  ) => {
    const { response, outcome } = answer(await hooks.facts(request), describe(request));
    if (outcome) hooks.answered(request, outcome);
    return toResponse(response);
  };
  return [
    http.post('*/v1/chat/completions', ({ request }) => respond(request, answerChat)),
    http.post('*/v1/embeddings', ({ request }) =>
      respond(request, (facts, label) => answerEmbeddings(facts, label, hooks.embeddingDimensions)),
    ),
    http.get('*/v1/models', () => toResponse(modelList())),
    http.get('*/v1/models/:model', ({ params }) => toResponse(model(String(params.model)))),
    http.all('*', ({ request }) =>
      respond(request, (facts) => answerUnmatched(facts, request.method, new URL(request.url))),
    ),
  ];
}

/**
 * What the default handlers answer, without msw: the same routes (`…/v1/chat/completions`,
 * `…/v1/embeddings`, `…/v1/models[/id]`) and a 400 naming any other request. The mock LLM answers
 * this way when no user handler could come first: no Request or Response objects, no matching.
 */
export function answerDefault(
  method: string,
  url: URL,
  facts: LlmRequestFacts,
  embeddingDimensions: number,
): DefaultAnswer {
  const label = `${method} ${hideKey(url.pathname)}${url.search}`;
  const path = url.pathname.replace(/(.)\/$/, '$1'); // msw ignores a trailing slash too
  if (method === 'POST' && path.endsWith('/v1/chat/completions')) return answerChat(facts, label);
  if (method === 'POST' && path.endsWith('/v1/embeddings'))
    return answerEmbeddings(facts, label, embeddingDimensions);
  if (method === 'GET' && path.endsWith('/v1/models')) return { response: modelList() };
  const id = method === 'GET' ? /\/v1\/models\/([^/]+)$/.exec(path)?.[1] : undefined;
  if (id !== undefined) return { response: model(decodeURIComponent(id)) };
  return answerUnmatched(facts, method, url);
}

function answerChat(facts: LlmRequestFacts, label: string): DefaultAnswer {
  const parsed = parseBody(facts.bodyText);
  if (!parsed.json) return { response: invalidJson(label, parsed.error, facts.bodyText) };
  const messages = chatMessages(parsed.value);
  if (messages === null) return { response: missingField(label, '"messages" array', facts.bodyText) };
  const reply = defaultReply(facts.turn, messages);
  const requested = field(parsed.value, 'model');
  const answer = {
    id: `chatcmpl-amnesia-${facts.seq}`,
    model: typeof requested === 'string' ? requested : 'gpt-4o-mini',
    created: facts.created,
    reply,
    promptTokens: roughTokens(messages.map((message) => message.content).join(' ')),
  };
  const includeUsage = field(field(parsed.value, 'stream_options'), 'include_usage') === true;
  return {
    response:
      field(parsed.value, 'stream') === true
        ? chatCompletionStream(answer, includeUsage)
        : chatCompletion(answer),
    outcome: { reply },
  };
}

function answerEmbeddings(facts: LlmRequestFacts, label: string, embeddingDimensions: number): DefaultAnswer {
  const parsed = parseBody(facts.bodyText);
  if (!parsed.json) return { response: invalidJson(label, parsed.error, facts.bodyText) };
  const inputs = embeddingInputs(parsed.value);
  if (inputs === null)
    return { response: missingField(label, '"input" (a string or an array)', facts.bodyText) };
  const requested = field(parsed.value, 'model');
  const dimensions = field(parsed.value, 'dimensions');
  return {
    response: embeddings({
      model: typeof requested === 'string' ? requested : 'text-embedding-3-small',
      inputs,
      dimensions:
        Number.isInteger(dimensions) && (dimensions as number) > 0 && (dimensions as number) <= MAX_DIMENSIONS
          ? (dimensions as number)
          : embeddingDimensions,
      base64: field(parsed.value, 'encoding_format') === 'base64',
    }),
  };
}

function answerUnmatched(facts: LlmRequestFacts, method: string, url: URL): DefaultAnswer {
  return {
    response: openAiError(
      400,
      `amnesia mock LLM: ${unmatchedText(method, url)} (${bodySummary(facts.bodyText)}); add an msw handler for others.`,
    ),
    outcome: { unmatched: true },
  };
}

/**
 * `no handler for POST /completions under http://127.0.0.1:P/k/<key>/s/pets/w/r1w1/v1 (worker r1w1's
 * base URL); amnesia serves POST /chat/completions, POST /embeddings, GET /models there`: the method
 * and path as the app sent them, relative to the base URL it was given (its key hidden: the app may
 * log this), and what it could have asked.
 */
function unmatchedText(method: string, url: URL): string {
  const route = parseRoute(url.pathname);
  const served = `amnesia serves ${SERVED.join(', ')} there`;
  const root = `${url.origin}${route.key ? HIDDEN_KEY_PREFIX : ''}`;
  if (route.worker) {
    const base = `${root}${scopedPrefix(route.scope, route.worker)}`;
    return `no handler for ${method} ${route.path}${url.search} under ${base} (worker ${route.worker}'s base URL); ${served}`;
  }
  const rest = route.key ? url.pathname.replace(/^\/k\/[^/]*/, '') : url.pathname;
  if (/^\/v1(\/|$)/.test(rest))
    return `no handler for ${method} ${route.path}${url.search} under ${root}/v1; ${served}`;
  return `no handler for ${method} ${rest}${url.search}: not under a worker's base URL (${root}/s/<scenario>/w/<worker>/v1, given to each worker as its LLM base URL), where ${served.replace(/ there$/, '')}`;
}

function describe(request: Request): string {
  const url = new URL(request.url);
  return `${request.method} ${hideKey(url.pathname)}${url.search}`;
}

function bodySummary(text: string): string {
  return text === '' ? 'no body' : `body starts: ${bodyStart(text)}`;
}

function invalidJson(label: string, error: string, text: string): PlainResponse {
  return openAiError(
    400,
    `amnesia mock LLM: the body of ${label} is not valid JSON (${error}; ${bodySummary(text)}).`,
  );
}

function missingField(label: string, what: string, text: string): PlainResponse {
  return openAiError(400, `amnesia mock LLM: ${label} needs ${what} in its body (${bodySummary(text)}).`);
}
