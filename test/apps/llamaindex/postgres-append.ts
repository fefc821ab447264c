// postgres-append.ts — THE FIX (failure-table row ✓): every message a row of its own in a shared
// PostgreSQL (DATABASE_URL), keyed by the session id, read on every request; a turn appends its
// two messages with one INSERT.
// Models: any multi-worker, multi-replica deployment with a managed Postgres, where one user can
// have two requests in flight (a double submit, a mobile retry, a second tab): an INSERT never
// erases what another request wrote meanwhile, where writing back the whole snapshot read at
// the start does (postgres.ts, row 9).
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓.
// Diff against postgres.ts: the rows read into a new memory, and only the turn's messages written.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();

serve(async (turn) => {
  const memory = createMemory([systemMessage, ...(await readMessages(db, turn.sessionId))]);
  const before = (await memory.get()).length;
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await appendMessages(db, turn.sessionId, (await memory.get()).slice(before));
});
