import { randomBytes, timingSafeEqual } from 'node:crypto';
import { getResponse } from 'msw';
import { AmnesiaError } from '../errors.ts';
import { formatBytes } from '../util/bytes.ts';
import type { LlmHandlerOutcome } from './answer-common.ts';
import { MockLlmError } from './errors.ts';
import { answerDefault, createLlmHandlers } from './handlers.ts';
import { type ListeningServer, listen, type PlainResponse } from './http-adapter.ts';
import { MarkedTurns } from './marked-turns.ts';
import { openAiError, toResponse } from './openai-responses.ts';
import { ProviderState } from './provider-state.ts';
import { recordOf } from './record.ts';
import { type Arrival, RequestLog } from './request-log.ts';
import { HIDDEN_KEY_PREFIX, hideKey, keyPrefix, parseRoute, scopedPrefix } from './routes.ts';
import type { MockLlm, MockLlmOptions } from './types.ts';

/** One request on its way through the handlers. */
interface Exchange {
  arrival: Arrival;
  bodyText: string;
  outcome?: LlmHandlerOutcome;
}

/**
 * Starts a fake LLM on loopback that speaks the OpenAI (Chat Completions, Responses, Conversations) and
 * Anthropic Messages APIs. Give each worker `llm.baseUrl(scenario, worker)`;
 * every request is recorded and attributed to the turn in flight on that worker.
 *
 * @example
 * await using llm = await startMockLlm();
 * llm.beginTurn('pets', 'r1w1', { turnId: 't1', session: 'alice', label: 'alice#1', priorTurns: [] });
 * // … the app answers a chat message …
 * const requests = llm.endTurn('pets', 'r1w1');
 */
export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const embeddingDimensions = options.embeddingDimensions ?? 256;
  if (!Number.isInteger(embeddingDimensions) || embeddingDimensions < 1) {
    throw new MockLlmError(
      'AMNESIA_LLM_BAD_ARGUMENT',
      `embeddingDimensions must be a positive integer, got ${JSON.stringify(embeddingDimensions)}.`,
    );
  }

  // Only processes amnesia gave a URL to can be heard: every URL of the run carries this key.
  const key = randomBytes(16).toString('base64url');
  const refused = new Map<string, number>();
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  let dropped = 0;
  const log = new RequestLog();
  const state = new ProviderState();
  const markedTurns = new MarkedTurns();
  // msw hands each resolver the very Request passed to getResponse, so it keys what the defaults need.
  const exchanges = new WeakMap<Request, Exchange>();
  const exchangeOf = (request: Request): Exchange => {
    const exchange = exchanges.get(request);
    if (exchange === undefined)
      throw new Error('mock LLM: a request reached the handlers without its record');
    return exchange;
  };
  const factsOf = ({ arrival, bodyText }: Exchange) => ({
    seq: arrival.seq,
    created: Math.floor(arrival.at / 1000),
    turn: arrival.turn,
    bodyText,
    scope: arrival.scope,
  });
  // Without user handlers nothing can come before the defaults: they answer without msw (cheaper by
  // half a millisecond a request, which a load of thousands of turns feels).
  const direct = (options.handlers ?? []).length === 0;
  const handlers = [
    ...(options.handlers ?? []),
    ...createLlmHandlers({
      embeddingDimensions,
      state,
      facts: async (request) => factsOf(exchangeOf(request)),
      answered: (request, outcome) => {
        exchangeOf(request).outcome = outcome;
      },
    }),
  ];

  let server: ListeningServer;
  try {
    server = await listen({
      host,
      port,
      maxBodyBytes: maxRequestBytes,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      onDrop: () => {
        dropped++;
      },
      accept: (method, url) => {
        const route = parseRoute(url.pathname);
        if (!sameKey(route.key, key)) {
          refused.set(route.scope, (refused.get(route.scope) ?? 0) + 1);
          return withoutKey(method, url);
        }
        const arrival = log.arrive(route.scope, route.worker);
        return async ({ text: bodyText, request, oversized }) => {
          if (oversized) {
            const why = tooLarge(method, url, oversized.bytes, oversized.limit);
            const response = openAiError(413, why);
            const outcome = { tooLarge: why };
            log.add(
              arrival,
              await recordOf({ arrival, bodyText: '', method, path: route.path, response, outcome }),
            );
            return response;
          }
          // A turn held by the scenario (`during:`) is answered once its hold is released.
          if (arrival.hold) await arrival.hold;
          // Not a worker's own turn: a marked turn (several in flight per worker) is read off the body.
          const marked = arrival.turn === null ? markedTurns.identify(route.scope, bodyText) : null;
          const exchange: Exchange = { arrival: marked ? { ...arrival, turn: marked } : arrival, bodyText };
          let response: Response | PlainResponse;
          if (direct) {
            const answer = answerDefault(method, url, factsOf(exchange), { embeddingDimensions, state });
            if (answer.outcome) exchange.outcome = answer.outcome;
            response = answer.response;
          } else {
            const fetchRequest = request();
            exchanges.set(fetchRequest, exchange);
            response = await dispatch(fetchRequest, method, url);
          }
          const record = await recordOf({ ...exchange, method, path: route.path, response });
          // A marked turn's requests go to whoever ends it (a load keeps none of its thousands of prompts).
          if (!marked || !markedTurns.add(marked, record)) log.add(exchange.arrival, record);
          return response;
        };
      },
    });
  } catch (error) {
    throw new AmnesiaError(
      'AMNESIA_ENVIRONMENT',
      `the mock LLM could not listen on ${host}:${port}: ${(error as Error).message}`,
      { cause: error },
    );
  }

  async function dispatch(request: Request, method: string, url: URL): Promise<Response> {
    try {
      return (
        (await getResponse(handlers, request, { baseUrl: server.url, quiet: true })) ??
        toResponse(openAiError(400, `amnesia mock LLM: no handler for ${method} ${url.pathname}.`))
      );
    } catch (error) {
      return toResponse(
        openAiError(
          500,
          `amnesia mock LLM: a handler threw while answering ${method} ${url.pathname}: ` +
            (error instanceof Error ? error.message : String(error)),
          'server_error',
        ),
      );
    }
  }

  const root = `${server.url}${keyPrefix(key)}`;
  return {
    url: root,
    key,
    origin: server.url,
    baseUrl: (scope, worker) => `${root}${scopedPrefix(scope, worker)}`,
    shownBaseUrl: (scope, worker) => `${server.url}${HIDDEN_KEY_PREFIX}${scopedPrefix(scope, worker)}`,
    refused: (scope) => refused.get(scope) ?? 0,
    droppedConnections: () => dropped,
    beginTurn: (scope, worker, turn, hooks) => log.beginTurn(scope, worker, turn, hooks),
    endTurn: (scope, worker) => log.endTurn(scope, worker),
    beginMarkedTurn: (scope, marker, turn) => markedTurns.begin(scope, marker, turn),
    endMarkedTurn: (scope, marker) => markedTurns.end(scope, marker),
    requests: (filter) => log.requests(filter),
    clear: (scope) => {
      refused.delete(scope);
      log.clear(scope);
      markedTurns.clear(scope);
      state.clear(scope);
    },
    stop: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** `llm.max_request` unless the config says otherwise: far above any real prompt, far below what exhausts memory. */
const DEFAULT_MAX_REQUEST_BYTES = 8 * 2 ** 20;
/** Well above a load's 1,000 turns in flight, each with its connection. */
const DEFAULT_MAX_CONNECTIONS = 2048;

/** Why a request over `llm.max_request` is refused (a 413, not retried), and which setting to raise. */
function tooLarge(method: string, url: URL, bytes: number, limit: number): string {
  return `amnesia mock LLM: the body of ${method} ${hideKey(url.pathname)} is ${formatBytes(bytes)}, over llm.max_request (${formatBytes(limit)}); it was not read. Raise llm.max_request in amnesia.config.yaml if the app really sends requests this large.`;
}

function sameKey(given: string, key: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A request without the run's key: not attributed, not recorded, not retried. */
function withoutKey(method: string, url: URL): PlainResponse {
  return openAiError(
    404,
    `amnesia mock LLM: ${method} ${hideKey(url.pathname)} does not carry this run's key; only the base URLs amnesia gives its workers (${url.origin}${HIDDEN_KEY_PREFIX}/s/<scenario>/w/<worker>/v1) are answered.`,
  );
}
