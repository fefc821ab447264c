// unkeyed.ts — MISTAKE, failure-table row 7: memory in the shared PostgreSQL store, but under a
// constant key instead of the session id — 'chat_history', the default `chatStoreKey` of
// LlamaIndex's older ChatMemoryBuffer, kept when the app moved to snapshots.
// Models: a single-user prototype put behind a login: it survives everything, and every user
// reads (and writes) one shared conversation.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓ — plus a LEAK: one session's facts show up in
// every other session's prompt.
// Diff against postgres.ts: the key.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { connectPostgres } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();
const key = 'chat_history';

serve(async (turn) => {
  const { rows } = await db.query('SELECT snapshot FROM chat_memory WHERE session_id = $1', [key]);
  const memory = rows[0] ? loadMemory(rows[0].snapshot) : createMemory([systemMessage]);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await db.query(
    'INSERT INTO chat_memory (session_id, snapshot) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET snapshot = EXCLUDED.snapshot',
    [key, memory.snapshot()],
  );
});
