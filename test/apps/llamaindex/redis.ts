// redis.ts — MISTAKE, failure-table row 9 (lost update) with Redis: LlamaIndex memory snapshots in a
// shared Redis (REDIS_URL), keyed by the session id, read on every request and written back whole
// (GET, answer, SET) after each turn.
// Models: the same as postgres.ts with a managed Redis as the session store: of two turns of a
// session answered at once, the last SET wins.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗. The fix: redis-append.ts.
// Diff against postgres.ts: the client and its two calls.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { createClient } from 'redis';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set');
const redis = await createClient({ url: process.env.REDIS_URL })
  .on('error', (error) => console.error(`redis: ${error.message}`))
  .connect();

serve(
  async (turn) => {
    const snapshot = await redis.get(`chat:${turn.sessionId}`);
    const memory = snapshot ? loadMemory(snapshot) : createMemory([systemMessage]);
    await turn.ask(new SimpleChatEngine({ llm, memory }));
    await redis.set(`chat:${turn.sessionId}`, memory.snapshot(), { EX: 24 * 3600 });
  },
  { onShutdown: () => redis.close() },
);
