// langgraph-postgres.js — LangGraph.js with `PostgresSaver` on DATABASE_URL, as
// @langchain/langgraph-checkpoint-postgres's README sets it up: `PostgresSaver.fromConnString(url)`
// then `await checkpointer.setup()` before first use.
// Every worker of every replica runs `setup()` at boot, and setup() races: two processes that
// run its migrations at once both insert migration v into `checkpoint_migrations` and the loser
// dies at boot with `duplicate key value violates unique constraint "checkpoint_migrations_pkey"`
// (`Key (v)=(…) already exists`). SETUP=every-worker keeps that documented race (an app that
// boots 1 time in a few: amnesia reports its boot error and output tail); the default runs
// setup() under a PostgreSQL advisory lock, so it runs once at a time.
// Memory: a shared store keyed by thread, read on every turn: every rung keeps the thread. Under
// two turns of one thread at once, each reads the same checkpoint and writes the whole state
// after it: one turn's messages are lost (row 9). The fix: one request per thread at a time.
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import { databaseUrl } from './lib/env.js';
import { serve } from './lib/http.js';
import { chatGraph } from './lib/langgraph.js';

const checkpointer = PostgresSaver.fromConnString(databaseUrl());
if (process.env.SETUP === 'every-worker') {
  await checkpointer.setup();
} else {
  const lock = new pg.Client({ connectionString: databaseUrl() });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(2026)');
    await checkpointer.setup();
  } finally {
    await lock.end(); // releases the lock
  }
}

serve(chatGraph(checkpointer), { onShutdown: () => checkpointer.end() });
