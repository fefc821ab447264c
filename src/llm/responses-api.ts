import type { PlainResponse } from './http-adapter.ts';
import { roughTokens, splitReply } from './openai-responses.ts';
import { flattenContent, isRecord } from './request-body.ts';
import type { Generation } from './script.ts';
import type { LlmMessage, LlmToolResult } from './types.ts';

/** Input items of the Responses API read as what the model sees, and as items a conversation keeps. */
export interface ResponsesInput {
  messages: LlmMessage[];
  toolResults: LlmToolResult[];
  /** The items in the shape the Conversations API lists them (ids filled in by the caller's `id`). */
  items: Record<string, unknown>[];
}

/**
 * `input` of a Responses request (or `items` of a conversation): a string (one user message), or
 * items: messages (`content` a string or `input_text`/`output_text` parts), `function_call` and
 * `function_call_output`. Tool results become `tool` messages (what reached the model through a tool);
 * a function call is kept as an item but adds no text. `null` when it is neither a string nor a list.
 * `withItems: false` skips the items (only a conversation keeps them). An `item_reference` is the
 * stored output message `reference` finds by its id.
 */
export function responsesInput(
  input: unknown,
  id: (prefix: string) => string,
  withItems = true,
  reference: (itemId: string) => LlmMessage | undefined = () => undefined,
): ResponsesInput | null {
  if (typeof input === 'string') input = [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return null;
  const result: ResponsesInput = { messages: [], toolResults: [], items: [] };
  const keep = (item: Record<string, unknown>) => {
    if (withItems) result.items.push(item);
  };
  const idOf = (item: Record<string, unknown>, prefix: string) =>
    typeof item.id === 'string' ? item.id : id(prefix);
  for (const item of input) {
    if (!isRecord(item)) continue;
    const type = typeof item.type === 'string' ? item.type : 'message';
    if (type === 'message') {
      const role = typeof item.role === 'string' ? item.role : 'user';
      const text = flattenContent(item.content);
      result.messages.push({ role, content: text });
      if (withItems) keep(messageItem(idOf(item, 'msg'), role, text));
    } else if (type === 'function_call_output') {
      const callId = typeof item.call_id === 'string' ? item.call_id : '';
      const output = typeof item.output === 'string' ? item.output : flattenContent(item.output);
      result.messages.push({ role: 'tool', content: output });
      result.toolResults.push({ id: callId, output });
      if (withItems) keep({ ...item, id: idOf(item, 'fco'), status: 'completed' });
    } else if (type === 'item_reference' && typeof item.id === 'string') {
      // An output message of a stored response, sent by its id (the AI SDK sends earlier answers so).
      const message = reference(item.id);
      if (message) {
        result.messages.push(message);
        keep(messageItem(item.id, message.role, message.content));
      }
    } else if (withItems) {
      keep({ ...item, id: idOf(item, 'item') });
    }
  }
  return result;
}

/** A message item as the Responses and Conversations APIs show it. */
export function messageItem(id: string, role: string, text: string): Record<string, unknown> {
  const part =
    role === 'assistant'
      ? { type: 'output_text', text, annotations: [], logprobs: [] }
      : { type: 'input_text', text };
  return { type: 'message', id, status: 'completed', role, content: [part] };
}

/** The output item of a generation: an assistant message, or a function call. */
export function outputItem(generation: Generation, id: (prefix: string) => string): Record<string, unknown> {
  if ('toolCall' in generation) {
    const call = generation.toolCall;
    return {
      type: 'function_call',
      id: id('fc'),
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: 'completed',
    };
  }
  return messageItem(id('msg'), 'assistant', generation.text);
}

export interface ResponseFields {
  id: string;
  created: number;
  model: string;
  instructions: unknown;
  previousResponseId: string | null;
  conversation: string | null;
  store: boolean;
  tools: unknown;
  output: Record<string, unknown>[];
  inputText: string;
  outputText: string;
}

/** The `response` object, completed. */
export function responseObject(r: ResponseFields): Record<string, unknown> {
  const input = roughTokens(r.inputText);
  const output = roughTokens(r.outputText);
  return {
    id: r.id,
    object: 'response',
    created_at: r.created,
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: null,
    metadata: {},
    model: r.model,
    output: r.output,
    parallel_tool_calls: true,
    previous_response_id: r.previousResponseId,
    conversation: r.conversation ? { id: r.conversation } : null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: r.store,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: Array.isArray(r.tools) ? r.tools : [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    },
    user: null,
  };
}

/**
 * The response as the Responses API streams it: `response.created`, then per
 * output item `response.output_item.added`, its content (`content_part.added`, `output_text.delta`…,
 * `output_text.done`, `content_part.done`; or `function_call_arguments.delta`/`.done`),
 * `response.output_item.done`, and `response.completed`. (OpenAI also sends `response.in_progress`
 * with the same object as `response.created`; clients ignore it, and it would cost a third copy.)
 */
export function responseStream(r: ResponseFields): PlainResponse {
  const frames: string[] = [];
  let seq = 0;
  const emit = (type: string, data: Record<string, unknown>) => {
    frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: seq++ })}\n\n`);
  };
  const completed = responseObject(r);
  emit('response.created', { response: { ...completed, status: 'in_progress', output: [], usage: null } });
  r.output.forEach((item, outputIndex) => {
    const itemId = String(item.id);
    if (item.type === 'function_call') {
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, arguments: '', status: 'in_progress' },
      });
      const args = String(item.arguments);
      emit('response.function_call_arguments.delta', {
        item_id: itemId,
        output_index: outputIndex,
        delta: args,
      });
      emit('response.function_call_arguments.done', {
        item_id: itemId,
        output_index: outputIndex,
        name: item.name,
        arguments: args,
      });
    } else {
      const text = r.outputText;
      const at = { item_id: itemId, output_index: outputIndex, content_index: 0 };
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      emit('response.content_part.added', {
        ...at,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      for (const delta of splitReply(text))
        emit('response.output_text.delta', { ...at, delta, logprobs: [] });
      emit('response.output_text.done', { ...at, text, logprobs: [] });
      emit('response.content_part.done', {
        ...at,
        part: { type: 'output_text', text, annotations: [], logprobs: [] },
      });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  emit('response.completed', { response: completed });
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    body: frames,
  };
}
