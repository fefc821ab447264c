// trimmed-history.ts — MISTAKE, failure-table row 4: the history reaches the LLM trimmed by a token
// limit. Memory is kept right — LlamaIndex memory snapshots in the shared PostgreSQL store, keyed
// by session, read on every request — but LlamaIndex.TS sizes a memory's token limit from the
// model's context window, and a model name it does not know (a fine-tuned model, a deployment
// name, a model newer than the library) gets 1,024 tokens: `memory.getLLM()` then sends only the
// most recent messages that fit about 540 tokens. Short conversations never notice; a long one
// silently loses its first turns, even on the worker that heard them.
// Models: fine-tuned or newly released models behind LlamaIndex.TS's table of known models.
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓ (a two-turn rung fits the window); the evidence of a
// long conversation's failed turn shows the trim.
// Diff against postgres.ts: the model.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { OpenAI } from '@llamaindex/openai';
import { connectPostgres } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { openAiOptions, systemMessage } from './lib/llm.ts';

const llm = new OpenAI({ model: 'ft:gpt-4o-mini-2024-07-18:acme:support:a1b2c3', ...openAiOptions });
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
