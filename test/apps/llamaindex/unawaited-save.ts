// unawaited-save.ts — failure-table row 12: postgres-append.ts's shared, appended store, but the
// turn's messages are written in the background, after the answer has gone out (as an AI SDK
// `onEnd` callback nobody awaits, or a fire-and-forget task, would): a process killed between
// the answer and the write loses the turn. The write comes SAVE_DELAY_MS after the turn (default
// 200, a slow store's round trip): a crash right after the answer, or a next turn sent at once,
// always comes before it, the probe's pause of 500 ms after it. A graceful stop writes what is
// pending first (a pool that drains before exit does).
// Models: a handler that calls `save()` without `await`, or queues the write for later.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✗ RD ✓ CC ✓ (every rung but CI pauses for the save).
// Diff against postgres-append.ts: the append is scheduled, not awaited.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();
const delayMs = Number(process.env.SAVE_DELAY_MS ?? 200);
const pending = new Map<NodeJS.Timeout, () => Promise<void>>();

serve(
  async (turn) => {
    const memory = createMemory([systemMessage, ...(await readMessages(db, turn.sessionId))]);
    const before = (await memory.get()).length;
    await turn.ask(new SimpleChatEngine({ llm, memory }));
    const added = (await memory.get()).slice(before);
    const write = () => appendMessages(db, turn.sessionId, added).catch((error) => console.error(error));
    const timer = setTimeout(() => {
      pending.delete(timer);
      void write();
    }, delayMs);
    pending.set(timer, write);
  },
  {
    onShutdown: async () => {
      const writes = [...pending].map(([timer, write]) => {
        clearTimeout(timer);
        return write();
      });
      pending.clear();
      await Promise.all(writes);
    },
  },
);
