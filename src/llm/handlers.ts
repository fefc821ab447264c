import { HttpResponse, http, type RequestHandler } from 'msw';
import { defaultReply } from './default-reply.ts';
import {
  chatCompletion,
  chatCompletionStream,
  embeddings,
  MOCK_MODELS,
  modelList,
  modelObject,
  openAiError,
  roughTokens,
} from './openai-responses.ts';
import { bodyStart, chatMessages, embeddingInputs, field, parseBody } from './request-body.ts';
import { parseRoute, SERVED, scopedPrefix } from './routes.ts';
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
export type LlmHandlerOutcome = { reply: string } | { unmatched: true };

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

/** The default handlers wired to a mock server's request log. */
export function createLlmHandlers(hooks: LlmHandlerHooks): RequestHandler[] {
  return [
    http.post('*/v1/chat/completions', async ({ request }) => {
      const facts = await hooks.facts(request);
      const parsed = parseBody(facts.bodyText);
      if (!parsed.json) return invalidJson(request, parsed.error, facts.bodyText);
      const messages = chatMessages(parsed.value);
      if (messages === null) return missingField(request, '"messages" array', facts.bodyText);
      const reply = defaultReply(facts.turn, messages);
      hooks.answered(request, { reply });
      const model = field(parsed.value, 'model');
      const answer = {
        id: `chatcmpl-amnesia-${facts.seq}`,
        model: typeof model === 'string' ? model : 'gpt-4o-mini',
        created: facts.created,
        reply,
        promptTokens: roughTokens(messages.map((message) => message.content).join(' ')),
      };
      if (field(parsed.value, 'stream') !== true) return chatCompletion(answer);
      const includeUsage = field(field(parsed.value, 'stream_options'), 'include_usage') === true;
      return chatCompletionStream(answer, includeUsage);
    }),

    http.post('*/v1/embeddings', async ({ request }) => {
      const facts = await hooks.facts(request);
      const parsed = parseBody(facts.bodyText);
      if (!parsed.json) return invalidJson(request, parsed.error, facts.bodyText);
      const inputs = embeddingInputs(parsed.value);
      if (inputs === null) return missingField(request, '"input" (a string or an array)', facts.bodyText);
      const model = field(parsed.value, 'model');
      const dimensions = field(parsed.value, 'dimensions');
      return embeddings({
        model: typeof model === 'string' ? model : 'text-embedding-3-small',
        inputs,
        dimensions:
          Number.isInteger(dimensions) &&
          (dimensions as number) > 0 &&
          (dimensions as number) <= MAX_DIMENSIONS
            ? (dimensions as number)
            : hooks.embeddingDimensions,
        base64: field(parsed.value, 'encoding_format') === 'base64',
      });
    }),

    http.get('*/v1/models', () => modelList()),

    http.get('*/v1/models/:model', ({ params }) => {
      const id = String(params.model);
      return (MOCK_MODELS as readonly string[]).includes(id)
        ? HttpResponse.json(modelObject(id))
        : openAiError(404, `amnesia mock LLM: no model "${id}"; it lists ${MOCK_MODELS.join(', ')}.`);
    }),

    http.all('*', async ({ request }) => {
      const facts = await hooks.facts(request);
      hooks.answered(request, { unmatched: true });
      return openAiError(
        400,
        `amnesia mock LLM: ${unmatchedText(request)} (${bodySummary(facts.bodyText)}); add an msw handler for others.`,
      );
    }),
  ];
}

/**
 * `no handler for POST /completions under http://127.0.0.1:P/s/pets/w/r1w1/v1 (worker r1w1's base
 * URL); amnesia serves POST /chat/completions, POST /embeddings, GET /models there`: the method and
 * path as the app sent them, relative to the base URL it was given, and what it could have asked.
 */
function unmatchedText(request: Request): string {
  const url = new URL(request.url);
  const route = parseRoute(url.pathname);
  const served = `amnesia serves ${SERVED.join(', ')} there`;
  if (route.worker) {
    const base = `${url.origin}${scopedPrefix(route.scope, route.worker)}`;
    return `no handler for ${request.method} ${route.path}${url.search} under ${base} (worker ${route.worker}'s base URL); ${served}`;
  }
  if (/^\/v1(\/|$)/.test(url.pathname))
    return `no handler for ${request.method} ${route.path}${url.search} under ${url.origin}/v1; ${served}`;
  return `no handler for ${describe(request)}: not under a worker's base URL (${url.origin}/s/<scenario>/w/<worker>/v1, given to each worker as its LLM base URL), where ${served.replace(/ there$/, '')}`;
}

function describe(request: Request): string {
  const url = new URL(request.url);
  return `${request.method} ${url.pathname}${url.search}`;
}

function bodySummary(text: string): string {
  return text === '' ? 'no body' : `body starts: ${bodyStart(text)}`;
}

function invalidJson(request: Request, error: string, text: string): Response {
  return openAiError(
    400,
    `amnesia mock LLM: the body of ${describe(request)} is not valid JSON (${error}; ${bodySummary(text)}).`,
  );
}

function missingField(request: Request, what: string, text: string): Response {
  return openAiError(
    400,
    `amnesia mock LLM: ${describe(request)} needs ${what} in its body (${bodySummary(text)}).`,
  );
}
