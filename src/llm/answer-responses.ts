import {
  type DefaultAnswer,
  generate,
  invalidJson,
  type LlmRequestFacts,
  missingField,
} from './answer-common.ts';
import type { PlainResponse } from './http-adapter.ts';
import { ok, openAiError } from './openai-responses.ts';
import { type Origin, originOf, type ProviderState, type StoredConversation } from './provider-state.ts';
import { field, parseBody } from './request-body.ts';
import {
  outputItem,
  type ResponseFields,
  responseObject,
  responseStream,
  responsesInput,
} from './responses-api.ts';
import type { LlmMessage } from './types.ts';

/**
 * `POST /responses`. The model's effective context is the resolved `previous_response_id` chain (each
 * stored response's input and output, recursively) or the `conversation`'s items, then `instructions`
 * (never carried along a chain, as at OpenAI), then the new input. The response is kept unless
 * `store: false`; with a conversation, its input and output are appended to it.
 */
export function answerResponses(facts: LlmRequestFacts, label: string, state: ProviderState): DefaultAnswer {
  const parsed = parseBody(facts.bodyText);
  if (!parsed.json) return { response: invalidJson(label, parsed.error, facts.bodyText) };
  const body = parsed.value;
  const previous = field(body, 'previous_response_id');
  const conversationParam = field(body, 'conversation');
  const input = responsesInput(
    field(body, 'input') ?? [],
    (prefix) => state.id(prefix),
    conversationParam !== undefined && conversationParam !== null,
    (itemId) => state.items.get(itemId)?.message,
  );
  if (input === null)
    return { response: missingField(label, '"input" (a string or a list of items)', facts.bodyText) };
  const conversationId =
    typeof conversationParam === 'string' ? conversationParam : field(conversationParam, 'id');
  let before: readonly LlmMessage[] = [];
  let resultIds: readonly string[] = [];
  let chain: { id: string } & Origin = { id: '', session: null, label: null };
  let conversation: StoredConversation | undefined;
  if (typeof previous === 'string' && previous !== '') {
    if (conversationId !== undefined && conversationId !== null)
      return {
        response: openAiError(
          400,
          "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
          'invalid_request_error',
          { code: 'mutually_exclusive_parameters', param: 'previous_response_id' },
        ),
      };
    const stored = state.responses.get(previous);
    if (stored === undefined)
      return {
        response: openAiError(
          400,
          `Previous response with id '${previous}' not found. (amnesia mock LLM: it keeps the responses of this run made with store: true.)`,
          'invalid_request_error',
          { code: 'previous_response_not_found', param: 'previous_response_id' },
        ),
      };
    before = stored.context;
    resultIds = stored.resultIds;
    chain = { id: previous, ...stored.origin };
  } else if (typeof conversationId === 'string') {
    conversation = state.conversations.get(conversationId);
    if (conversation === undefined) return { response: conversationNotFound(conversationId) };
    before = conversation.messages;
    resultIds = conversation.resultIds;
    chain = { id: conversationId, ...conversation.origin };
  }
  const instructions = field(body, 'instructions');
  const system: LlmMessage[] =
    typeof instructions === 'string' && instructions !== ''
      ? [{ role: 'system', content: instructions }]
      : [];
  const messages = [...system, ...before, ...input.messages];
  const newResultIds = input.toolResults.map((result) => result.id);
  const { generation, reply, toolCalls } = generate(facts.turn, messages, [...resultIds, ...newResultIds]);
  const requested = field(body, 'model');
  const output = [outputItem(generation, (prefix) => state.id(prefix))];
  const store = field(body, 'store') !== false;
  const fields: ResponseFields = {
    id: state.id('resp'),
    created: facts.created,
    model: typeof requested === 'string' ? requested : 'gpt-4o-mini',
    instructions: instructions ?? null,
    previousResponseId: typeof previous === 'string' && previous !== '' ? previous : null,
    conversation: conversation?.id ?? null,
    store,
    tools: field(body, 'tools'),
    output,
    inputText: messages.map((message) => message.content).join(' '),
    outputText: reply,
  };
  const outputMessages: LlmMessage[] = reply === '' ? [] : [{ role: 'assistant', content: reply }];
  const origin = chain.id === '' ? originOf(facts.turn) : { session: chain.session, label: chain.label };
  if (store) {
    const message = outputMessages[0];
    if (message) state.items.set(String(output[0]?.id), { scope: facts.scope, message });
    state.responses.set(fields.id, {
      id: fields.id,
      scope: facts.scope,
      origin,
      context: [...before, ...input.messages, ...outputMessages],
      resultIds: newResultIds.length > 0 ? [...resultIds, ...newResultIds] : resultIds,
      fields,
    });
  }
  if (conversation) {
    conversation.items.push(...input.items, ...output);
    conversation.messages.push(...input.messages, ...outputMessages);
    conversation.resultIds.push(...newResultIds);
  }
  return {
    response: field(body, 'stream') === true ? responseStream(fields) : ok(responseObject(fields)),
    outcome: {
      reply,
      messages,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(input.toolResults.length > 0 ? { toolResults: input.toolResults } : {}),
      ...(chain.id !== '' ? { chain } : {}),
    },
  };
}

/** `GET /responses/{id}` (a stored response) and `DELETE /responses/{id}`. */
export function answerStoredResponse(method: string, id: string, state: ProviderState): PlainResponse {
  const stored = state.responses.get(id);
  if (stored === undefined)
    return openAiError(
      404,
      `Response with id '${id}' not found. (amnesia mock LLM: it keeps the responses of this run made with store: true.)`,
      'invalid_request_error',
      { param: 'response_id' },
    );
  if (method === 'GET') return ok(responseObject(stored.fields));
  state.responses.delete(id);
  return ok({ id, object: 'response.deleted', deleted: true });
}

export function conversationNotFound(id: string): PlainResponse {
  return openAiError(
    404,
    `Conversation with id '${id}' not found. (amnesia mock LLM: it keeps the conversations of this run.)`,
    'invalid_request_error',
    { param: 'conversation_id' },
  );
}
