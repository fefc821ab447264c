import { defaultReply } from './default-reply.ts';
import type { PlainResponse } from './http-adapter.ts';
import { openAiError } from './openai-responses.ts';
import { bodyStart } from './request-body.ts';
import { type Generation, scriptedGeneration } from './script.ts';
import type { LlmMessage, LlmToolCall, LlmToolResult, TurnScope } from './types.ts';

/** What the default handlers need to know about a request besides the request itself. */
export interface LlmRequestFacts {
  /** Used for completion ids. */
  seq: number;
  /** Unix seconds, for `created`. */
  created: number;
  turn: TurnScope | null;
  /** The request body, read once (a user handler before the defaults may have consumed the request's). */
  bodyText: string;
  /** The `<scope>` of the worker URL the request used (`''` on the bare `/v1`). */
  scope: string;
}

/** What the default handlers answered, for the request log. */
export type LlmHandlerOutcome =
  | {
      reply: string;
      /** The context the model effectively had, when it is not the body's `messages`. */
      messages?: LlmMessage[];
      toolCalls?: LlmToolCall[];
      toolResults?: LlmToolResult[];
      chain?: { id: string; session: string | null; label: string | null };
    }
  | { unmatched: true }
  | { tooLarge: string };

/** A default handler's answer, and what it says it answered (for the request log). */
export interface DefaultAnswer {
  response: PlainResponse;
  outcome?: LlmHandlerOutcome;
}

/**
 * What the model answers a request of `turn` whose effective context is `messages`: the turn's script
 * (a tool call until its result came back, then its text), else the default reply.
 */
export function generate(
  turn: TurnScope | null,
  messages: readonly LlmMessage[],
  resultIds: Iterable<string>,
): { generation: Generation; reply: string; toolCalls: LlmToolCall[] } {
  const generation = scriptedGeneration(turn, new Set(resultIds)) ?? { text: defaultReply(turn, messages) };
  return 'toolCall' in generation
    ? { generation, reply: '', toolCalls: [generation.toolCall] }
    : { generation, reply: generation.text, toolCalls: [] };
}

export function bodySummary(text: string): string {
  return text === '' ? 'no body' : `body starts: ${bodyStart(text)}`;
}

export function invalidJson(label: string, error: string, text: string): PlainResponse {
  return openAiError(
    400,
    `amnesia mock LLM: the body of ${label} is not valid JSON (${error}; ${bodySummary(text)}).`,
  );
}

export function missingField(label: string, what: string, text: string): PlainResponse {
  return openAiError(400, `amnesia mock LLM: ${label} needs ${what} in its body (${bodySummary(text)}).`);
}
