// exit-on-sigterm.ts — MISTAKE, failure-table row 10: lost in flight. Memory as in postgres-append.ts
// (saved once the LLM has answered, before the reply), but the app exits at once on SIGTERM
// instead of draining: a turn in flight when its worker is stopped (a rolling deploy, a restart,
// a scale-in) is dropped — nothing saved, and the user sees an error. Were the reply sent before
// the save, the user could even see an answer the app never saved.
// Models: `process.on('SIGTERM', () => process.exit(0))`, the one-liner that makes a container
// stop fast. The fix drains: stop listening, finish the turns in flight, then exit (as
// lib/http.ts does for every app of the family).
// Probe ladder: SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓ — no rung has a turn in flight; a scenario
// with `during:` shows it.
// Diff against postgres-append.ts: the exit on SIGTERM.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory } from '@llamaindex/core/memory';
import { appendMessages, connectPostgres, readMessages } from './lib/db.ts';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const db = await connectPostgres();

serve(async (turn) => {
  const memory = createMemory([systemMessage, ...(await readMessages(db, turn.sessionId))]);
  const before = (await memory.get()).length;
  await turn.ask(new SimpleChatEngine({ llm, memory }));
  await appendMessages(db, turn.sessionId, (await memory.get()).slice(before));
});
process.on('SIGTERM', () => process.exit(0));
