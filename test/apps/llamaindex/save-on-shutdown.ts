// save-on-shutdown.ts — MISTAKE, failure-table row 6a: memory kept in RAM, written to
// ./storage/memory.json on SIGTERM and loaded at boot.
// Models: "we persist on shutdown" — it survives every deploy the developer tried (a graceful
// restart), but a crash (SIGKILL, OOM kill) loses everything since the last shutdown, and the
// workers never see each other's sessions while they run. Each worker writes its own map to its
// own file on SIGTERM (memory-<pid>.json), and a worker that boots loads every file its disk
// holds, newest last: so what is saved does not depend on which worker stopped last.
// Probe ladder: SW ✓ OW ✗ OR ✗ RS ✓ CR ✗ CI ✗ RD ✗.
// Diff against global-map.ts: the same Map, plus a load at boot and a save on shutdown.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import { createMemory, loadMemory, type Memory } from '@llamaindex/core/memory';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const dir = './storage';
const memories = new Map<string, Memory>();
mkdirSync(dir, { recursive: true });
const files = readdirSync(dir)
  .filter((f) => /^memory-\d+\.json$/.test(f))
  .map((f) => `${dir}/${f}`)
  .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
for (const file of files) {
  const saved: Record<string, string> = JSON.parse(readFileSync(file, 'utf8'));
  for (const [sessionId, snapshot] of Object.entries(saved)) memories.set(sessionId, loadMemory(snapshot));
}

function saveAll() {
  const saved = Object.fromEntries(
    [...memories].map(([sessionId, memory]) => [sessionId, memory.snapshot()]),
  );
  writeFileSync(`${dir}/memory-${process.pid}.json`, JSON.stringify(saved));
}

serve(
  async (turn) => {
    let memory = memories.get(turn.sessionId);
    if (!memory) {
      memory = createMemory([systemMessage]);
      memories.set(turn.sessionId, memory);
    }
    await turn.ask(new SimpleChatEngine({ llm, memory }));
  },
  { onShutdown: saveAll },
);
