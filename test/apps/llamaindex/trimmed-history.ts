// trimmed-history.ts — MISTAKE, failure-table row 4: the history reaches the LLM trimmed by a token
// limit. Memory is kept right — every message a row in the shared PostgreSQL store, keyed by
// session, read on every request, a turn's messages appended (postgres-append.ts) — but
// LlamaIndex.TS sizes a memory's token limit from the model's context window, and a model name it
// does not know (a fine-tuned model, a deployment name, a model newer than the library) gets 1,024
// tokens: `memory.getLLM()` then sends only the most recent messages that fit about 540 tokens.
// Short conversations never notice; a long one silently loses its first turns, even on the worker
// that heard them.
// Models: fine-tuned or newly released models behind LlamaIndex.TS's table of known models.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓ (a two-turn rung fits the window); the evidence
// of a long conversation's failed turn shows the trim.
// Diff against postgres-append.ts: the model.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { OpenAI } from '@llamaindex/openai';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { openAiOptions, systemMessage } from './lib/llm.ts';

const llm = new OpenAI({ model: 'ft:gpt-4o-mini-2024-07-18:acme:support:a1b2c3', ...openAiOptions });
const db = await connectPostgres();

serve(async (turn) => {
  const memory = createMemory([systemMessage, ...(await readMessages(db, turn.sessionId))]);
  const before = (await memory.get()).length;
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await appendMessages(db, turn.sessionId, (await memory.get()).slice(before));
});
