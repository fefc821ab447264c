// vector-index.ts — MISTAKE, failure-table row 2 (second cause): long-term memory in a
// VectorStoreIndex whose storage context lives in RAM and is never persisted or loaded.
// The chat history itself is right — in the shared PostgreSQL store, keyed by session, a row per
// message (as postgres-append.ts) — but
// only its last 4 messages go into the prompt; older facts are meant to come back from the
// index: each user message is inserted as a Document with metadata.session_id, and each turn
// retrieves the top 2 for the question, filtered by session, into the context system message
// (ContextChatEngine puts it last, after the user message).
// Models: "short window + vector long-term memory" designs whose index was built the way the
// quick-starts build it, `storageContextFromDefaults({})` with no persistDir or vector database.
// Probe ladder, for a fact OLDER than the window (said, then two more turns, then asked):
// SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ — one process's RAM. For a fact inside the window (the plain
// two-turn probe) every rung passes: the ladder needs filler turns to see this app.
// Diff against postgres-append.ts: the window, and the index in RAM.
import { ContextChatEngine } from '@llamaindex/core/chat-engine';
import { Settings } from '@llamaindex/core/global';
import { createMemory } from '@llamaindex/core/memory';
import { Document } from '@llamaindex/core/schema';
import { OpenAIEmbedding } from '@llamaindex/openai';
import { VectorStoreIndex } from 'llamaindex/indices';
import { storageContextFromDefaults } from 'llamaindex/storage';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, openAiOptions, systemPrompt } from './lib/llm.ts';

Settings.embedModel = new OpenAIEmbedding({ model: 'text-embedding-3-small', ...openAiOptions });
const db = await connectPostgres();
const storageContext = await storageContextFromDefaults({}); // no persistDir: this process's RAM only
const index = await VectorStoreIndex.fromDocuments([], { storageContext });
const window = 4;

serve(async (turn) => {
  const history = await readMessages(db, turn.sessionId);
  const memory = createMemory(history.slice(-window));
  const before = (await memory.get()).length;
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
  await appendMessages(db, turn.sessionId, (await memory.get()).slice(before));
});
