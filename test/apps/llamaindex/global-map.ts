// global-map.ts — MISTAKE, failure-table row 2: per-session memory in a process-global Map.
// Models: the app that passed every local test with one `node server.js`, then ran under
// several workers (cluster, gunicorn-style pools, several pods) and a supervisor that restarts.
// Probe ladder: SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ — the memory lives in one process's RAM.
// Diff against postgres.ts: a Map in this process instead of the shared store.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, type Memory } from '@llamaindex/core/memory';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const memories = new Map<string, Memory>();

serve(async (turn) => {
  let memory = memories.get(turn.sessionId);
  if (!memory) {
    memory = createMemory([systemMessage]);
    memories.set(turn.sessionId, memory);
  }
  await turn.ask(new SimpleChatEngine({ llm, memory }));
});
