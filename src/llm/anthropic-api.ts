import type { PlainResponse } from './http-adapter.ts';
import { roughTokens, splitReply } from './openai-responses.ts';
import { flattenContent, isRecord } from './request-body.ts';
import type { Generation } from './script.ts';
import type { LlmMessage, LlmToolResult } from './types.ts';

const NO_RETRY = { 'x-should-retry': 'false' };

/** What a Messages API body gives the model: its messages (system first) and the tool results in it. */
export interface AnthropicInput {
  messages: LlmMessage[];
  toolResults: LlmToolResult[];
}

/**
 * `system` (a string or text blocks) and `messages` (content a string or blocks: `text`, `tool_use`,
 * `tool_result`) of an Anthropic Messages body. A `tool_result` becomes a `tool` message (what reached
 * the model through a tool); a `tool_use` adds no text. `null` without a `messages` array.
 */
export function anthropicInput(body: unknown): AnthropicInput | null {
  if (!isRecord(body) || !Array.isArray(body.messages)) return null;
  const result: AnthropicInput = { messages: [], toolResults: [] };
  const system = flattenContent(body.system);
  if (system !== '') result.messages.push({ role: 'system', content: system });
  for (const message of body.messages) {
    if (!isRecord(message)) continue;
    const role = typeof message.role === 'string' ? message.role : '';
    if (!Array.isArray(message.content)) {
      result.messages.push({ role, content: flattenContent(message.content) });
      continue;
    }
    const texts: string[] = [];
    for (const block of message.content) {
      if (!isRecord(block)) continue;
      if (block.type === 'tool_result') {
        const output = flattenContent(block.content);
        result.messages.push({ role: 'tool', content: output });
        result.toolResults.push({
          id: typeof block.tool_use_id === 'string' ? block.tool_use_id : '',
          output,
        });
      } else if (typeof block.text === 'string') {
        texts.push(block.text);
      }
    }
    if (texts.length > 0 || message.content.length === 0)
      result.messages.push({ role, content: texts.join('\n') });
  }
  return result;
}

export interface AnthropicAnswer {
  id: string;
  model: string;
  generation: Generation;
  inputText: string;
}

function contentBlock(generation: Generation): Record<string, unknown> {
  if ('toolCall' in generation) {
    const call = generation.toolCall;
    return { type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown };
  }
  return { type: 'text', text: generation.text };
}

function message(answer: AnthropicAnswer, done: boolean): Record<string, unknown> {
  const toolUse = 'toolCall' in answer.generation;
  const outputText = toolUse ? '' : (answer.generation as { text: string }).text;
  return {
    id: answer.id,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: done ? [contentBlock(answer.generation)] : [],
    stop_reason: done ? (toolUse ? 'tool_use' : 'end_turn') : null,
    stop_sequence: null,
    usage: {
      input_tokens: roughTokens(answer.inputText),
      output_tokens: done ? roughTokens(outputText) : 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

export function anthropicMessage(answer: AnthropicAnswer): PlainResponse {
  const body = JSON.stringify(message(answer, true));
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

/**
 * The message as the Messages API streams it: `message_start`, `content_block_start`,
 * `content_block_delta`… (`text_delta` or `input_json_delta`), `content_block_stop`, `message_delta`
 * (stop reason, usage), `message_stop`.
 */
export function anthropicStream(answer: AnthropicAnswer): PlainResponse {
  const frames: string[] = [];
  const emit = (type: string, data: Record<string, unknown>) => {
    frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  const done = message(answer, true);
  emit('message_start', { message: message(answer, false) });
  const generation = answer.generation;
  if ('toolCall' in generation) {
    emit('content_block_start', { index: 0, content_block: { ...contentBlock(generation), input: {} } });
    emit('content_block_delta', {
      index: 0,
      delta: { type: 'input_json_delta', partial_json: generation.toolCall.arguments },
    });
  } else {
    emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const text of splitReply(generation.text))
      emit('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  }
  emit('content_block_stop', { index: 0 });
  emit('message_delta', {
    delta: { stop_reason: done.stop_reason, stop_sequence: null },
    usage: { output_tokens: (done.usage as { output_tokens: number }).output_tokens },
  });
  emit('message_stop', {});
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    body: frames,
  };
}

/** An Anthropic-style error (`{type: 'error', error: {type, message}}`), never retried. */
export function anthropicError(status: number, message: string): PlainResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...NO_RETRY },
    body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
  };
}
