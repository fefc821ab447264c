// agents-memory.js — OpenAI Agents SDK with `MemorySession`, the session of the sessions guide's
// first example (https://openai.github.io/openai-agents-js/guides/sessions/). Failure-table row 2:
// the items live in this process's RAM (a session object per chat kept in a Map). The fix: a
// session on a shared store (agents-postgres.js).
import { MemorySession } from '@openai/agents';
import { ask } from './lib/agents.js';
import { serve } from './lib/http.js';

const sessions = new Map();

serve(({ sessionId, message }) => {
  let session = sessions.get(sessionId);
  if (!session) {
    session = new MemorySession({ sessionId });
    sessions.set(sessionId, session);
  }
  return ask(session, message);
});
