import type { ResponseFields } from './responses-api.ts';
import type { LlmMessage, TurnScope } from './types.ts';

/** Who made a stored response or conversation: the session turn in flight, or none. */
export interface Origin {
  session: string | null;
  label: string | null;
}

/** A response kept for `previous_response_id` (OpenAI keeps them unless `store: false`). */
export interface StoredResponse {
  id: string;
  scope: string;
  /** The session turn that made the chain's first response. */
  origin: Origin;
  /** The context a request chaining from it starts with: the resolved chain, this response's input and output. */
  context: readonly LlmMessage[];
  /** Ids of the tool results in that context (a turn's script goes on from them). */
  resultIds: readonly string[];
  /** What `GET /responses/{id}` shows (the object is built when asked for). */
  fields: ResponseFields;
}

/** A conversation of the Conversations API: its items as the API lists them, and as messages. */
export interface StoredConversation {
  id: string;
  scope: string;
  origin: Origin;
  createdAt: number;
  metadata: unknown;
  items: Record<string, unknown>[];
  messages: LlmMessage[];
  resultIds: string[];
}

/**
 * Provider-side state the mock LLM keeps for the run, as OpenAI does for an account: stored responses
 * (`previous_response_id`) and conversations. Ids are unique to the server; a finished scenario's
 * state is dropped with its records.
 */
export class ProviderState {
  readonly responses = new Map<string, StoredResponse>();
  readonly conversations = new Map<string, StoredConversation>();
  /** Output messages of stored responses by item id, for `item_reference` input items. */
  readonly items = new Map<string, { scope: string; message: LlmMessage }>();
  #next = 0;

  /** A fresh id with OpenAI's prefix (`resp`, `conv`, `msg`, `fc`…). */
  id(prefix: string): string {
    return `${prefix}_amnesia${(++this.#next).toString(36).padStart(6, '0')}`;
  }

  clear(scope: string): void {
    for (const [id, response] of this.responses) if (response.scope === scope) this.responses.delete(id);
    for (const [id, item] of this.items) if (item.scope === scope) this.items.delete(id);
    for (const [id, conversation] of this.conversations)
      if (conversation.scope === scope) this.conversations.delete(id);
  }
}

export function originOf(turn: TurnScope | null): Origin {
  return { session: turn?.session ?? null, label: turn?.label ?? null };
}
