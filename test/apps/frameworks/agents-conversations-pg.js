// agents-conversations-pg.js — THE FIX for agents-conversations.js: the OpenAI Agents SDK's
// `OpenAIConversationsSession` (https://openai.github.io/openai-agents-js/guides/sessions/), the
// history kept at the provider (Conversations API), and the chat's conversation id kept where every
// process reads it: a PostgreSQL row per chat (DATABASE_URL), read on every turn and passed as
// `new OpenAIConversationsSession({ conversationId })`. A chat's first turn creates the
// conversation and inserts its id; if another worker inserted one first, that one is used.
// Failure-table row ✓.
import { OpenAIConversationsSession } from '@openai/agents';
import { ask } from './lib/agents.js';
import { serve } from './lib/http.js';
import { connect } from './lib/pg.js';

const db = await connect('agent_conversations (session_id text PRIMARY KEY, conversation_id text NOT NULL)');

async function sessionFor(sessionId) {
  const { rows } = await db.query('SELECT conversation_id FROM agent_conversations WHERE session_id = $1', [
    sessionId,
  ]);
  if (rows[0]) return new OpenAIConversationsSession({ conversationId: rows[0].conversation_id });
  const session = new OpenAIConversationsSession();
  const inserted = await db.query(
    'INSERT INTO agent_conversations VALUES ($1, $2) ON CONFLICT (session_id) DO NOTHING RETURNING conversation_id',
    [sessionId, await session.getSessionId()],
  );
  return inserted.rows[0] ? session : sessionFor(sessionId);
}

serve(async ({ sessionId, message }) => ask(await sessionFor(sessionId), message), {
  onShutdown: () => db.end(),
});
