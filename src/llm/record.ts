import type { LlmHandlerOutcome } from './answer-common.ts';
import type { PlainResponse } from './http-adapter.ts';
import { bodyForRecord, chatMessages, embeddingInputs, parseBody, wantsStream } from './request-body.ts';
import type { Arrival } from './request-log.ts';
import { routeKind } from './routes.ts';
import type { LlmRequestKind, RecordedLlmRequest } from './types.ts';

export interface AnsweredRequest {
  arrival: Arrival;
  method: string;
  /** Path after `/v1`. */
  path: string;
  bodyText: string;
  /** What the default handlers said they answered, if they answered. */
  outcome?: LlmHandlerOutcome;
  /** What was answered: a fetch `Response` (msw), or a plain answer (the defaults without msw). */
  response: Response | PlainResponse;
}

/** Replies larger than this are not parsed back out of a user handler's JSON response. */
const MAX_PARSED_REPLY_BYTES = 1_000_000;

/** The record of one answered request. */
export async function recordOf(answered: AnsweredRequest): Promise<RecordedLlmRequest> {
  const { arrival, method, path, outcome, response } = answered;
  const kind: LlmRequestKind =
    outcome !== undefined && 'unmatched' in outcome
      ? 'unmatched'
      : outcome !== undefined && 'tooLarge' in outcome
        ? 'too-large'
        : (routeKind(method, path) ?? 'other');
  const body = bodyForRecord(answered.bodyText, parseBody(answered.bodyText));
  let reply: string | null = null;
  if (kind === 'chat') {
    reply =
      outcome !== undefined && 'reply' in outcome
        ? outcome.reply
        : response instanceof Response
          ? await replyInJson(response)
          : null;
  }
  return {
    seq: arrival.seq,
    at: arrival.at,
    scope: arrival.scope,
    worker: arrival.worker,
    turnId: arrival.turn?.turnId ?? null,
    kind,
    method,
    path,
    stream: wantsStream(body),
    messages: kind === 'chat' ? (answeredMessages(outcome) ?? chatMessages(body) ?? []) : [],
    input: kind === 'embeddings' ? (embeddingInputs(body) ?? []) : [],
    body,
    status: response.status,
    reply,
    ...(outcome !== undefined && 'reply' in outcome
      ? {
          ...(outcome.toolCalls ? { toolCalls: outcome.toolCalls } : {}),
          ...(outcome.toolResults ? { toolResults: outcome.toolResults } : {}),
          ...(outcome.chain ? { chain: outcome.chain } : {}),
        }
      : {}),
    ...(outcome !== undefined && 'tooLarge' in outcome ? { refusal: outcome.tooLarge } : {}),
  };
}

/** The effective context a default handler resolved (a Responses chain, Anthropic's `system`). */
function answeredMessages(outcome: LlmHandlerOutcome | undefined) {
  return outcome !== undefined && 'reply' in outcome ? outcome.messages : undefined;
}

/** `choices[0].message.content` of a small non-streaming JSON chat response (a user handler's), else `null`. */
async function replyInJson(response: Response): Promise<string | null> {
  const type = response.headers.get('content-type') ?? '';
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  // Only bodies of a known, small length: a streamed body could be endless and would hold up the answer.
  if (!type.includes('json') || !(length <= MAX_PARSED_REPLY_BYTES) || response.status >= 300) return null;
  try {
    const json = (await response.clone().json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = json.choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : null;
  } catch {
    return null;
  }
}
