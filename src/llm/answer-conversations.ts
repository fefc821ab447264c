import { type DefaultAnswer, invalidJson, type LlmRequestFacts } from './answer-common.ts';
import { conversationNotFound } from './answer-responses.ts';
import { ok, openAiError } from './openai-responses.ts';
import { originOf, type ProviderState, type StoredConversation } from './provider-state.ts';
import { field, parseBody } from './request-body.ts';
import { responsesInput } from './responses-api.ts';

/**
 * The Conversations API: `POST /conversations` (with optional initial `items`), `GET`, `POST`
 * (metadata) and `DELETE /conversations/{id}`, `GET`/`POST /conversations/{id}/items`, and `GET`/`DELETE`
 * of one item. `rest` is the path after `/conversations`; `null` for a path it does not serve.
 */
export function answerConversations(
  method: string,
  rest: readonly (string | undefined)[],
  facts: LlmRequestFacts,
  url: URL,
  state: ProviderState,
): DefaultAnswer | null {
  const [id, items, itemId] = rest;
  const label = `${method} ${url.pathname}`;
  const parsed = method === 'POST' ? parseBody(facts.bodyText || '{}') : { json: true as const, value: {} };
  if (!parsed.json) return { response: invalidJson(label, parsed.error, facts.bodyText) };
  const body = parsed.value;
  if (id === undefined) {
    if (method !== 'POST') return null;
    const created = { id: state.id('conv'), scope: facts.scope, origin: originOf(facts.turn) };
    const conversation: StoredConversation = {
      ...created,
      createdAt: facts.created,
      metadata: field(body, 'metadata') ?? {},
      items: [],
      messages: [],
      resultIds: [],
    };
    const added = append(conversation, field(body, 'items') ?? [], state);
    if (added === null) return { response: badItems(label) };
    state.conversations.set(conversation.id, conversation);
    return { response: ok(conversationObject(conversation)) };
  }
  const conversation = state.conversations.get(id);
  if (conversation === undefined) return { response: conversationNotFound(id) };
  if (items === undefined) {
    if (method === 'GET') return { response: ok(conversationObject(conversation)) };
    if (method === 'POST') {
      conversation.metadata = field(body, 'metadata') ?? conversation.metadata;
      return { response: ok(conversationObject(conversation)) };
    }
    if (method === 'DELETE') {
      state.conversations.delete(id);
      return { response: ok({ id, object: 'conversation.deleted', deleted: true }) };
    }
    return null;
  }
  if (items !== 'items') return null;
  if (itemId === undefined) {
    if (method === 'POST') {
      const added = append(conversation, field(body, 'items'), state);
      return { response: added === null ? badItems(label) : ok(page(added, false)) };
    }
    if (method === 'GET') return { response: ok(listItems(conversation, url.searchParams)) };
    return null;
  }
  const index = conversation.items.findIndex((item) => item.id === itemId);
  if (index < 0)
    return {
      response: openAiError(
        404,
        `Item with id '${itemId}' not found in conversation '${id}'.`,
        'invalid_request_error',
        {
          param: 'item_id',
        },
      ),
    };
  if (method === 'GET') return { response: ok(conversation.items[index]) };
  if (method === 'DELETE') {
    // The item leaves the listing; the model's context loses its text too (messages are rebuilt).
    conversation.items.splice(index, 1);
    const rebuilt = responsesInput(conversation.items, (prefix) => state.id(prefix));
    conversation.messages = rebuilt?.messages ?? [];
    conversation.resultIds = rebuilt?.toolResults.map((result) => result.id) ?? [];
    return { response: ok(conversationObject(conversation)) };
  }
  return null;
}

function append(conversation: StoredConversation, items: unknown, state: ProviderState) {
  if (!Array.isArray(items)) return null;
  const input = responsesInput(items, (prefix) => state.id(prefix));
  if (input === null) return null;
  conversation.items.push(...input.items);
  conversation.messages.push(...input.messages);
  conversation.resultIds.push(...input.toolResults.map((result) => result.id));
  return input.items;
}

function badItems(label: string) {
  return openAiError(400, `amnesia mock LLM: ${label} needs "items" (a list of items) in its body.`);
}

function conversationObject(conversation: StoredConversation) {
  return {
    id: conversation.id,
    object: 'conversation',
    created_at: conversation.createdAt,
    metadata: conversation.metadata,
  };
}

/** A page of items: `limit` (1–100, default 20), `order` (`desc` by default, as at OpenAI), `after` an item id. */
function listItems(conversation: StoredConversation, query: URLSearchParams) {
  const limit = Math.min(100, Math.max(1, Number.parseInt(query.get('limit') ?? '20', 10) || 20));
  const ordered = query.get('order') === 'asc' ? [...conversation.items] : [...conversation.items].reverse();
  const after = query.get('after');
  const start = after ? ordered.findIndex((item) => item.id === after) + 1 : 0;
  const data = ordered.slice(start, start + limit);
  return page(data, start + limit < ordered.length);
}

function page(data: Record<string, unknown>[], hasMore: boolean) {
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
