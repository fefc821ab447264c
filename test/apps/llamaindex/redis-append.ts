// redis-append.ts — THE FIX (failure-table row ✓) with Redis: every message an element of a Redis
// list per session (REDIS_URL), read on every request; a turn appends its two messages with one
// RPUSH.
// Models: the same as postgres-append.ts with a managed Redis as the session store.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓.
// Diff against redis.ts: a list read into a new memory, and only the turn's messages pushed.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { createClient } from 'redis';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set');
const redis = await createClient({ url: process.env.REDIS_URL })
  .on('error', (error) => console.error(`redis: ${error.message}`))
  .connect();

serve(
  async (turn) => {
    const key = `chat:${turn.sessionId}`;
    const saved = (await redis.lRange(key, 0, -1)).map((item) => JSON.parse(item));
    const memory = createMemory([systemMessage, ...saved]);
    const before = (await memory.get()).length;
    await turn.ask(new SimpleChatEngine({ llm, memory }));
    const added = (await memory.get())
      .slice(before)
      .map(({ role, content }) => JSON.stringify({ role, content }));
    await redis
      .multi()
      .rPush(key, added)
      .expire(key, 24 * 3600)
      .exec();
  },
  { onShutdown: () => redis.close() },
);
