import { http, type RequestHandler } from 'msw';
import { answerAnthropic } from './answer-anthropic.ts';
import {
  bodySummary,
  type DefaultAnswer,
  generate,
  invalidJson,
  type LlmHandlerOutcome,
  type LlmRequestFacts,
  missingField,
} from './answer-common.ts';
import { answerConversations } from './answer-conversations.ts';
import { answerResponses, answerStoredResponse } from './answer-responses.ts';
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
import { ProviderState } from './provider-state.ts';
import { chatMessages, chatToolResults, embeddingInputs, field, parseBody } from './request-body.ts';
import { parseRoute, SERVED, scopedPrefix } from './routes.ts';
import type { TurnScope } from './types.ts';

/** What the default handlers keep across requests. */
export interface LlmHandlerContext {
  embeddingDimensions: number;
  state: ProviderState;
}

export interface LlmHandlerHooks extends LlmHandlerContext {
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
 * The mock LLM's handlers, for use in any msw setup (e.g. `setupServer`). They answer under any `…/v1`
 * what amnesia serves (Chat Completions, the Responses and Conversations APIs, Anthropic Messages,
 * embeddings, models), and every other request with a 400 that names it. Put your own handlers before them.
 *
 * @example setupServer(http.post('*\/chat/completions', () => HttpResponse.json(myReply)), ...defaultLlmHandlers())
 */
export function defaultLlmHandlers(options: DefaultLlmHandlerOptions = {}): RequestHandler[] {
  let seq = 0;
  return createLlmHandlers({
    embeddingDimensions: options.embeddingDimensions ?? 256,
    state: new ProviderState(),
    facts: async (request) => ({
      seq: ++seq,
      created: Math.floor(Date.now() / 1000),
      turn: options.turn?.(request) ?? null,
      bodyText: request.bodyUsed ? '' : await request.clone().text(),
      scope: parseRoute(new URL(request.url).pathname).scope,
    }),
    answered: () => {},
  });
}

/** The default handlers wired to a mock server's request log. */
export function createLlmHandlers(hooks: LlmHandlerHooks): RequestHandler[] {
  return [
    http.all('*', async ({ request }) => {
      const facts = await hooks.facts(request);
      const { response, outcome } = answerDefault(request.method, new URL(request.url), facts, hooks);
      if (outcome) hooks.answered(request, outcome);
      return toResponse(response);
    }),
  ];
}

/**
 * What the default handlers answer, without msw: the routes under `…/v1` listed in `SERVED`, and a
 * 400 naming any other request. The mock LLM answers this way when no user handler could come first:
 * no Request or Response objects, no matching.
 */
export function answerDefault(
  method: string,
  url: URL,
  facts: LlmRequestFacts,
  context: LlmHandlerContext,
): DefaultAnswer {
  const label = `${method} ${url.pathname}${url.search}`;
  const path = url.pathname.replace(/(.)\/$/, '$1'); // msw ignores a trailing slash too
  const at = path.lastIndexOf('/v1/');
  const segments =
    at < 0
      ? []
      : path
          .slice(at + 4)
          .split('/')
          .map(decodeSegment);
  const [first, second, third, fourth] = segments;
  const n = segments.length;
  if (method === 'POST' && n === 2 && first === 'chat' && second === 'completions')
    return answerChat(facts, label);
  if (method === 'POST' && n === 1 && first === 'responses')
    return answerResponses(facts, label, context.state);
  if (method === 'POST' && n === 1 && first === 'messages') return answerAnthropic(facts, label);
  if (first === 'responses' && n === 2 && second !== undefined && (method === 'GET' || method === 'DELETE'))
    return { response: answerStoredResponse(method, second, context.state) };
  if (first === 'conversations') {
    const answer = answerConversations(
      method,
      [second, third, fourth].slice(0, n - 1),
      facts,
      url,
      context.state,
    );
    if (answer) return answer;
  }
  if (method === 'POST' && n === 1 && first === 'embeddings')
    return answerEmbeddings(facts, label, context.embeddingDimensions);
  if (method === 'GET' && n === 1 && first === 'models') return { response: modelList() };
  if (method === 'GET' && n === 2 && first === 'models') return { response: model(second ?? '') };
  return answerUnmatched(facts, method, url);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function answerChat(facts: LlmRequestFacts, label: string): DefaultAnswer {
  const parsed = parseBody(facts.bodyText);
  if (!parsed.json) return { response: invalidJson(label, parsed.error, facts.bodyText) };
  const messages = chatMessages(parsed.value);
  if (messages === null) return { response: missingField(label, '"messages" array', facts.bodyText) };
  const toolResults = chatToolResults(parsed.value);
  const { generation, reply, toolCalls } = generate(
    facts.turn,
    messages,
    toolResults.map((result) => result.id),
  );
  const requested = field(parsed.value, 'model');
  const answer = {
    id: `chatcmpl-amnesia-${facts.seq}`,
    model: typeof requested === 'string' ? requested : 'gpt-4o-mini',
    created: facts.created,
    reply,
    promptTokens: roughTokens(messages.map((message) => message.content).join(' ')),
    ...('toolCall' in generation ? { toolCall: generation.toolCall } : {}),
  };
  const includeUsage = field(field(parsed.value, 'stream_options'), 'include_usage') === true;
  return {
    response:
      field(parsed.value, 'stream') === true
        ? chatCompletionStream(answer, includeUsage)
        : chatCompletion(answer),
    outcome: {
      reply,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(toolResults.length > 0 ? { toolResults } : {}),
    },
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
 * `no handler for POST /completions under http://127.0.0.1:P/s/pets/w/r1w1/v1 (worker r1w1's base
 * URL); amnesia serves POST /chat/completions, … there`: the method and path as the app sent them,
 * relative to the base URL it was given, and what it could have asked.
 */
function unmatchedText(method: string, url: URL): string {
  const route = parseRoute(url.pathname);
  const served = `amnesia serves ${SERVED.join(', ')} there`;
  if (route.worker) {
    const base = `${url.origin}${scopedPrefix(route.scope, route.worker)}`;
    return `no handler for ${method} ${route.path}${url.search} under ${base} (worker ${route.worker}'s base URL); ${served}`;
  }
  if (/^\/v1(\/|$)/.test(url.pathname))
    return `no handler for ${method} ${route.path}${url.search} under ${url.origin}/v1; ${served}`;
  return `no handler for ${method} ${url.pathname}${url.search}: not under a worker's base URL (${url.origin}/s/<scenario>/w/<worker>/v1, given to each worker as its LLM base URL), where ${served.replace(/ there$/, '')}`;
}
