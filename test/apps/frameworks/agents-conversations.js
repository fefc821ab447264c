// agents-conversations.js — OpenAI Agents SDK with `OpenAIConversationsSession`, the session that
// keeps the history at the provider (Conversations API;
// https://openai.github.io/openai-agents-js/guides/sessions/). The items are safe at the provider,
// but the conversation id is in this process's RAM (one session object per chat in a Map, as the
// guide's examples hold it): another worker, a restart or a redeploy opens a new conversation.
// Failure-table row 2. The fix: keep the conversation id where every process reads it
// (`new OpenAIConversationsSession({ conversationId })` with the id from a shared store).
import { OpenAIConversationsSession } from '@openai/agents';
import { ask } from './lib/agents.js';
import { serve } from './lib/http.js';

const sessions = new Map();

serve(({ sessionId, message }) => {
  let session = sessions.get(sessionId);
  if (!session) {
    session = new OpenAIConversationsSession();
    sessions.set(sessionId, session);
  }
  return ask(session, message);
});
