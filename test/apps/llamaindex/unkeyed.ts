// unkeyed.ts — MISTAKE, failure-table row 7: memory in the shared PostgreSQL store, but under a
// constant key instead of the session id — 'chat_history', the default `chatStoreKey` of
// LlamaIndex's older ChatMemoryBuffer, kept when the app moved to snapshots.
// Models: a single-user prototype put behind a login: it survives everything, and every user
// reads (and writes) one shared conversation.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓ — plus a LEAK: one session's facts show up in
// every other session's prompt.
// Diff against postgres-append.ts: the key.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();
const key = 'chat_history';

serve(async (turn) => {
  const memory = createMemory([systemMessage, ...(await readMessages(db, key))]);
  const before = (await memory.get()).length;
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await appendMessages(db, key, (await memory.get()).slice(before));
});
