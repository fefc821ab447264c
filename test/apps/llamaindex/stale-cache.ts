// stale-cache.ts — MISTAKE, failure-table row 6b: the shared PostgreSQL store is right, but each
// process reads every snapshot ONCE at boot into its own Map, writes through to the store after
// each turn, and never re-reads it.
// Models: a "hot cache" added for latency: each worker serves what it knew at its boot plus
// what it wrote itself; another worker's turns reach it only after it restarts.
// Probe ladder: SW ✓ OW ✗ OR ✗ RS ✓ CR ✓ CI ✓ RD ✓ — durable, but read from a stale per-process copy.
// Diff against postgres.ts: the SELECT runs once at boot instead of on every request.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory, type Memory } from '@llamaindex/core/memory';
import { connectPostgres } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();
const cache = new Map<string, Memory>();
const { rows } = await db.query('SELECT session_id, snapshot FROM chat_memory');
for (const row of rows) cache.set(row.session_id, loadMemory(row.snapshot));

serve(async (turn) => {
  const memory = cache.get(turn.sessionId) ?? createMemory([systemMessage]);
  cache.set(turn.sessionId, memory);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await db.query(
    'INSERT INTO chat_memory (session_id, snapshot) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET snapshot = EXCLUDED.snapshot',
    [turn.sessionId, memory.snapshot()],
  );
});
