import { embed, toBase64Float32 } from './embedding.ts';
import type { PlainResponse } from './http-adapter.ts';
import type { LlmToolCall } from './types.ts';

/** Models the mock lists under `GET /v1/models`. */
export const MOCK_MODELS = ['gpt-4o-mini', 'text-embedding-3-small'] as const;

const NO_RETRY = { 'x-should-retry': 'false' };

/** A JSON answer. */
function json(value: unknown, status = 200, headers: Record<string, string> = {}): PlainResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** An answer as the `Response` that msw handlers return (an event stream is pulled frame by frame). */
export function toResponse(answer: PlainResponse): Response {
  const { status, headers, body } = answer;
  if (typeof body === 'string')
    return new Response(body, {
      status,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
  const encoder = new TextEncoder();
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const frame = body[next++];
      if (frame === undefined) controller.close();
      else controller.enqueue(encoder.encode(frame));
    },
  });
  return new Response(stream, { status, headers });
}

/**
 * An OpenAI-style error. `x-should-retry: false` because the official SDKs retry 5xx (and some 4xx)
 * for about a minute, which would turn a clear failure into a slow one.
 */
export function openAiError(
  status: number,
  message: string,
  type = 'invalid_request_error',
  detail: { code?: string; param?: string } = {},
): PlainResponse {
  return json(
    { error: { message, type, param: detail.param ?? null, code: detail.code ?? null } },
    status,
    NO_RETRY,
  );
}

/** A JSON answer of status 200. */
export function ok(value: unknown): PlainResponse {
  return json(value);
}

/** A rough token count (words), for `usage` blocks. */
export function roughTokens(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

export interface ChatAnswer {
  id: string;
  model: string;
  created: number;
  reply: string;
  promptTokens: number;
  /** A scripted tool call to answer with instead of the reply. */
  toolCall?: LlmToolCall;
}

function toolCallOf(call: LlmToolCall) {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

export function chatCompletion(answer: ChatAnswer): PlainResponse {
  const completionTokens = roughTokens(answer.reply);
  return json({
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [
      {
        index: 0,
        message: answer.toolCall
          ? { role: 'assistant', content: null, refusal: null, tool_calls: [toolCallOf(answer.toolCall)] }
          : { role: 'assistant', content: answer.reply, refusal: null },
        logprobs: null,
        finish_reason: answer.toolCall ? 'tool_calls' : 'stop',
      },
    ],
    usage: usage(answer.promptTokens, completionTokens),
  });
}

/**
 * The reply as server-sent events, in a few chunks, then `data: [DONE]`. Built by hand: msw's `sse()`
 * answers GET only, and OpenAI streams answer a POST.
 */
export function chatCompletionStream(answer: ChatAnswer, includeUsage: boolean): PlainResponse {
  const base = {
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
  };
  const choice = (delta: object, finishReason: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const call = answer.toolCall;
  const events: object[] = call
    ? [
        choice(
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, ...toolCallOf(call), function: { name: call.name, arguments: '' } }],
          },
          null,
        ),
        choice({ tool_calls: [{ index: 0, function: { arguments: call.arguments } }] }, null),
      ]
    : splitReply(answer.reply).map((content, index) =>
        choice(index === 0 ? { role: 'assistant', content } : { content }, null),
      );
  events.push(choice({}, call ? 'tool_calls' : 'stop'));
  if (includeUsage)
    events.push({ ...base, choices: [], usage: usage(answer.promptTokens, roughTokens(answer.reply)) });
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    body: [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), 'data: [DONE]\n\n'],
  };
}

/** Splits a reply at word boundaries into at most `parts` chunks that join back to it. */
export function splitReply(reply: string, parts = 3): string[] {
  const words = reply.match(/\S+\s*|\s+/g) ?? [];
  if (words.length === 0) return [reply];
  const size = Math.ceil(words.length / parts);
  const chunks: string[] = [];
  for (let start = 0; start < words.length; start += size)
    chunks.push(words.slice(start, start + size).join(''));
  return chunks;
}

export interface EmbeddingsAnswer {
  model: string;
  inputs: readonly string[];
  dimensions: number;
  base64: boolean;
}

export function embeddings(answer: EmbeddingsAnswer): PlainResponse {
  const promptTokens = answer.inputs.reduce((sum, input) => sum + roughTokens(input), 0);
  return json({
    object: 'list',
    data: answer.inputs.map((input, index) => {
      const vector = embed(input, answer.dimensions);
      return { object: 'embedding', index, embedding: answer.base64 ? toBase64Float32(vector) : vector };
    }),
    model: answer.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

export function modelObject(id: string): object {
  return { id, object: 'model', created: 0, owned_by: 'amnesia' };
}

export function modelList(): PlainResponse {
  return json({ object: 'list', data: MOCK_MODELS.map(modelObject) });
}

/** One model, or a 404 that lists them. */
export function model(id: string): PlainResponse {
  return (MOCK_MODELS as readonly string[]).includes(id)
    ? json(modelObject(id))
    : openAiError(404, `amnesia mock LLM: no model "${id}"; it lists ${MOCK_MODELS.join(', ')}.`);
}

function usage(promptTokens: number, completionTokens: number): object {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
