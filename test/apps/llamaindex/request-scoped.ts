// request-scoped.ts — MISTAKE, failure-table row 1: the memory is created inside the request handler.
// Models: the tutorial's single-turn handler shipped as a chat endpoint; it "works" in a demo
// because every answer sounds fine, and nothing ever tells it the previous turn is gone.
// Probe ladder: SW ✗ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ — nothing is kept between requests, not even on
// the same worker: every prompt is [system, this message].
// Diff against postgres.ts: the memory is never read from, or written to, any store.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

serve(async (turn) => {
  const memory = createMemory([systemMessage]);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
});
