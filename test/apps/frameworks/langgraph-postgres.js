// langgraph-postgres.js — LangGraph.js with `PostgresSaver` on DATABASE_URL, as
// @langchain/langgraph-checkpoint-postgres's README sets it up: `PostgresSaver.fromConnString(url)`
// then `await checkpointer.setup()` before first use.
// When every worker runs `setup()` at boot, it races: workers that create its tables and run its
// migrations at once both insert the same row and the loser dies at boot with a duplicate key
// (`Key (v)=(0) already exists` on checkpoint_migrations_pkey, or the CREATE TABLE's
// `Key (typname, typnamespace)=(checkpoint_migrations, …)`): 2 runs in 8 of 2 × 2 workers here.
// SETUP=every-worker keeps that (amnesia reports the boot error with the worker's output tail);
// by default setup() runs under a PostgreSQL advisory lock, one worker at a time.
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
