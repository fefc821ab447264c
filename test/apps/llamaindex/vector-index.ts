// vector-index.ts — MISTAKE, failure-table row 2 (second cause): long-term memory in a
// VectorStoreIndex whose storage context lives in RAM and is never persisted or loaded.
// The chat history itself is right — in the shared PostgreSQL store, keyed by session — but
// only its last 4 messages go into the prompt; older facts are meant to come back from the
// index: each user message is inserted as a Document with metadata.session_id, and each turn
// retrieves the top 2 for the question, filtered by session, into the context system message
// (ContextChatEngine puts it last, after the user message).
// Models: "short window + vector long-term memory" designs whose index was built the way the
// quick-starts build it, `storageContextFromDefaults({})` with no persistDir or vector database.
// Probe ladder, for a fact OLDER than the window (said, then two more turns, then asked):
// SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗ — one process's RAM. For a fact inside the window (the plain
// two-turn probe) every rung passes: the ladder needs filler turns to see this app.
// Diff against postgres.ts: the window, and the index in RAM.
import { ContextChatEngine } from '@llamaindex/core/chat-engine';
import { Settings } from '@llamaindex/core/global';
import { createMemory, loadMemory } from '@llamaindex/core/memory';
import { Document } from '@llamaindex/core/schema';
import { OpenAIEmbedding } from '@llamaindex/openai';
import { VectorStoreIndex } from 'llamaindex/indices';
import { storageContextFromDefaults } from 'llamaindex/storage';
import { connectPostgres } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, openAiOptions, systemPrompt } from './lib/llm.ts';

Settings.embedModel = new OpenAIEmbedding({ model: 'text-embedding-3-small', ...openAiOptions });
const db = await connectPostgres();
const storageContext = await storageContextFromDefaults({}); // no persistDir: this process's RAM only
const index = await VectorStoreIndex.fromDocuments([], { storageContext });
const window = 4;

serve(async (turn) => {
  const { rows } = await db.query('SELECT snapshot FROM chat_memory WHERE session_id = $1', [turn.sessionId]);
  const history = rows[0] ? await loadMemory(rows[0].snapshot).get() : [];
  const memory = createMemory(history.slice(-window));
  const retriever = index.asRetriever({
    similarityTopK: 2,
    filters: { filters: [{ key: 'session_id', value: turn.sessionId, operator: '==' }] },
  });
  await turn.ask(new ContextChatEngine({ retriever, chatModel: llm, chatHistory: memory, systemPrompt }));
  await index.insert(
    new Document({
      text: turn.message,
      metadata: { session_id: turn.sessionId },
      excludedEmbedMetadataKeys: ['session_id'],
      excludedLlmMetadataKeys: ['session_id'],
    }),
  );
  await db.query(
    'INSERT INTO chat_memory (session_id, snapshot) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET snapshot = EXCLUDED.snapshot',
    [turn.sessionId, memory.snapshot()],
  );
});
