// local-disk.ts — MISTAKE, failure-table row 3: memory snapshots written to ./storage/<session>.json
// under the working directory, read on every request.
// Models: the LlamaIndex "persist to ./storage" habit on a host or a container whose disk is its
// own: the workers of one host share it, other replicas and a redeployed (fresh) disk do not.
// Probe ladder: SW ✓ OW ✓ OR ✗ RS ✓ CR ✓ CI ✓ RD ✗ — state lives on one host's disk.
// Diff against postgres.ts: a local file instead of the shared store.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

mkdirSync('./storage', { recursive: true });

serve(async (turn) => {
  const file = `./storage/${encodeURIComponent(turn.sessionId)}.json`;
  const memory = existsSync(file) ? loadMemory(readFileSync(file, 'utf8')) : createMemory([systemMessage]);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  writeFileSync(file, memory.snapshot());
});
