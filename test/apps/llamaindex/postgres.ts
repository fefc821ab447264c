// postgres.ts — MISTAKE, failure-table row 9 (lost update): LlamaIndex memory snapshots in a shared
// PostgreSQL (DATABASE_URL), keyed by the session id, read on every request and written back
// WHOLE after each turn — LlamaIndex.TS's own `loadMemory()` / `snapshot()` pattern.
// Models: any multi-worker, multi-replica deployment with a managed Postgres. Right as long as a
// session has one request at a time; when two overlap (a double submit, a mobile retry, a second
// tab), both read the same snapshot, each appends its turn, and the one that writes last erases
// the other's.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗ — every worker reads the one store, nothing is
// kept in a process or on a disk, but two turns at once keep one. The fix: postgres-append.ts.
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
