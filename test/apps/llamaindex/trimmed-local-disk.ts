// trimmed-local-disk.ts — MISTAKES, failure-table rows 3 and 4 at once: memory snapshots in
// ./storage/<session>.json on the replica's own disk (local-disk.ts), and a model LlamaIndex.TS
// does not know, so the history reaches the LLM trimmed to about 540 tokens (trimmed-history.ts).
// Each failure has its own cause: a follow-up on another replica loses everything (row 3); a long
// conversation on one worker keeps its disk but loses its first turns to the trim (row 4).
// Probe ladder: SW ✓ OW ✓ OR ✗ RS ✓ CR ✓ CI ✓ RD ✗ — row 3; the trim shows only in a long conversation.
// Diff against local-disk.ts: the model.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { OpenAI } from '@llamaindex/openai';
import { serve } from './lib/http.ts';
import { openAiOptions, systemMessage } from './lib/llm.ts';

const llm = new OpenAI({ model: 'ft:gpt-4o-mini-2024-07-18:acme:support:a1b2c3', ...openAiOptions });
mkdirSync('./storage', { recursive: true });

serve(async (turn) => {
  const file = `./storage/${encodeURIComponent(turn.sessionId)}.json`;
  const memory = existsSync(file) ? loadMemory(readFileSync(file, 'utf8')) : createMemory([systemMessage]);
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  writeFileSync(file, memory.snapshot());
});
