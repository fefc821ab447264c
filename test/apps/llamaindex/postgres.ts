// postgres.ts — THE FIX (failure-table row ✓): LlamaIndex memory snapshots in a shared PostgreSQL
// (DATABASE_URL), keyed by the session id, read on every request and written after each turn.
// Models: any multi-worker, multi-replica deployment with a managed Postgres.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓ — every worker reads the one store, nothing is
// kept in a process or on a disk.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { connectPostgres } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();

serve(async (turn) => {
  const { rows } = await db.query('SELECT snapshot FROM chat_memory WHERE session_id = $1', [turn.sessionId]);
  const memory = rows[0] ? loadMemory(rows[0].snapshot) : createMemory([systemMessage]);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await db.query(
    'INSERT INTO chat_memory (session_id, snapshot) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET snapshot = EXCLUDED.snapshot',
    [turn.sessionId, memory.snapshot()],
  );
});
