// What the Vercel AI SDK apps share, after the chatbot message persistence guide
// (https://ai-sdk.dev/docs/ai-sdk-ui/chatbot-message-persistence): a chat is a list of UIMessages
// (`{ id, role, parts }`), loaded by chat id, the new user message appended, converted with
// `convertToModelMessages` and sent with `streamText`. The `openai` provider reads OPENAI_BASE_URL.
import { openai } from '@ai-sdk/openai';
import { convertToModelMessages, generateId, streamText } from 'ai';
import { model, systemPrompt } from './env.js';
import { connect } from './pg.js';

// The provider's default call, `openai(model)`: the Responses API.
const llm = openai(model);

/** A UIMessage holding `text`. */
export function uiMessage(role, text) {
  return { id: generateId(), role, parts: [{ type: 'text', text }] };
}

/** `streamText` over a chat's UIMessages; `onEnd` as the guide's route passes it. */
export async function streamChat(messages, onEnd) {
  return streamText({
    model: llm,
    system: systemPrompt,
    messages: await convertToModelMessages(messages),
    maxRetries: 0,
    onEnd,
  });
}

/** The chats in PostgreSQL (DATABASE_URL): a row per UIMessage, appended, read in order. */
export async function postgresChats() {
  const db = await connect(
    'ai_messages (id bigserial PRIMARY KEY, chat_id text NOT NULL, message jsonb NOT NULL)',
  );
  return {
    db,
    async load(chatId) {
      const { rows } = await db.query('SELECT message FROM ai_messages WHERE chat_id = $1 ORDER BY id', [
        chatId,
      ]);
      return rows.map((r) => r.message);
    },
    async append(chatId, messages) {
      const values = messages.map((_, i) => `($1, $${i + 2})`).join(', ');
      await db.query(`INSERT INTO ai_messages (chat_id, message) VALUES ${values}`, [
        chatId,
        ...messages.map((m) => JSON.stringify(m)),
      ]);
    },
  };
}
