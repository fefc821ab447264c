/**
 * `npm run bench` (part 3): the load mode, the mock LLM alone, and the compile cache.
 *
 * 1. The load mode: BENCH_LOAD_SESSIONS (1,000) sessions × 10 turns, 32 sessions at once, a
 *    rolling redeploy in the middle, 2 replicas × 2 workers of the plain test app
 *    (test/apps/basic): first its fixed memory (PostgreSQL, embedded PGlite), then its memory in
 *    one process (no store: the least work an app can do per turn, so amnesia's share is highest).
 *    Prints wall time (target < 60 s), turns per second, amnesia's own CPU (this process: the
 *    engine, the client, the mock LLM) against the CPU of everything it started (workers, PGlite),
 *    read from /proc (target: amnesia < a quarter), and misattributed LLM requests (target 0).
 * 2. The mock LLM alone: chat completions with a 10-message history, 32 at once, from a client in
 *    this same process (so its figures are a floor of what the mock can serve); compared with the
 *    rate of LLM requests the load run needed.
 * 3. NODE_COMPILE_CACHE: spawn → `listening` of a LlamaIndex.TS app of the family
 *    (test/apps/llamaindex/global-map.ts), interleaved boots without a cache and with a warm one.
 *
 * Figures are medians where there are samples; the machine is shared, so compare ratios within one
 * run, not figures across runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { type LoadTestResult, loadTest, startMockLlm } from '../src/index.ts';
import { PortAllocator } from '../src/topology/free-port.ts';
import { median } from './stats.ts';

const BASIC = path.resolve(import.meta.dirname, '../test/apps/basic');
const LLAMAINDEX = path.resolve(import.meta.dirname, '../test/apps/llamaindex');
const SESSIONS = Number(process.env.BENCH_LOAD_SESSIONS ?? 1000);
const TURNS = 10;
const CONCURRENCY = 32;
const MOCK_REQUESTS = 10_000;
const BOOTS = Number(process.env.BENCH_BOOTS ?? 9);

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** CPU seconds of this process and of its children that have ended (Linux: /proc/self/stat). */
function cpuSeconds(): { self: number; children: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const tick = 100; // USER_HZ on Linux
  return {
    self: ((f[11] ?? 0) + (f[12] ?? 0)) / tick,
    children: ((f[13] ?? 0) + (f[14] ?? 0)) / tick,
  };
}

async function loadRun(
  mode: 'postgres' | 'global',
): Promise<{ r: LoadTestResult; wallMs: number; self: number; children: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-load-'));
  try {
    await writeFile(
      path.join(dir, 'amnesia.config.yaml'),
      `app:\n  command: node server.ts\n  cwd: ${BASIC}\n  env: { MEMORY_MODE: ${mode} }\n  ready: { log: listening on }\ntopology: { replicas: 2, workers: 2 }\n${mode === 'postgres' ? 'services:\n  db: { postgres: embedded }\n' : ''}`,
    );
    await writeFile(
      path.join(dir, 'rolling.yaml'),
      'name: a rolling redeploy in the middle\nsteps:\n  - user: My name is Ada.\n  - redeploy: rolling\n  - user: What is my name?\n    expect: { recall: [Ada] }\n',
    );
    const before = cpuSeconds();
    const t0 = performance.now();
    const r = await loadTest({
      cwd: dir,
      scenario: 'rolling.yaml',
      sessions: SESSIONS,
      turns: TURNS,
      concurrency: CONCURRENCY,
    });
    const wallMs = performance.now() - t0;
    const after = cpuSeconds();
    if (r.error) throw new Error(`the load run failed: ${r.error.code}: ${r.error.message}`);
    return { r, wallMs, self: after.self - before.self, children: after.children - before.children };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function printLoad(label: string, { r, wallMs, self, children }: Awaited<ReturnType<typeof loadRun>>) {
  const share = self / (self + children);
  const redeploy = r.disruptions[0];
  console.log(
    `load, ${label}: ${SESSIONS.toLocaleString('en-US')} sessions × ${TURNS} turns (${r.turns.sent.toLocaleString('en-US')}), ${CONCURRENCY} at once, 2 × 2, rolling redeploy at 50 % (took ${redeploy ? secs(redeploy.durationMs) : '–'}):\n` +
      `  wall ${secs(wallMs)} (target < 60 s), ${Math.round(r.turnsPerSecond)} turns/s; latency p50 ${Math.round(r.latency?.p50 ?? 0)} ms, p99 ${Math.round(r.latency?.p99 ?? 0)} ms\n` +
      `  CPU: amnesia ${self.toFixed(1)} s, the processes it started ${children.toFixed(1)} s: amnesia's share ${(100 * share).toFixed(1)} % (target < 25 %)\n` +
      `  LLM requests ${r.llm.requests.toLocaleString('en-US')}: ${r.llm.misattributed} misattributed (target 0), ${r.llm.unattributed} outside a turn\n` +
      `  turns ${r.turns.answered.toLocaleString('en-US')} answered, ${r.turns.failed} failed; memories ${r.memories.kept.toLocaleString('en-US')} kept, ${r.memories.lost.toLocaleString('en-US')} lost, ${r.memories.leaked} leaked; exit ${r.exitCode}`,
  );
}

/** The mock LLM alone: how many chat completions a second it answers, and its CPU per request. */
async function mockAlone(): Promise<{ perSecond: number; cpuUs: number }> {
  await using llm = await startMockLlm();
  const url = new URL(`${llm.baseUrl('bench', 'r1w1')}/chat/completions`);
  const messages = Array.from({ length: 10 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content:
      i % 2
        ? `ack s0001#${i}; saw none`
        : `Please remember this: my project codename is canary-ab12-s0001-t${String(i).padStart(2, '0')}. What is my project codename?`,
  }));
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let sent = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < MOCK_REQUESTS) {
        sent++;
        await one();
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { perSecond: MOCK_REQUESTS / (wall / 1000), cpuUs: (cpu.user + cpu.system) / MOCK_REQUESTS };
}

/** Spawn → `listening on` of the LlamaIndex app; then a graceful stop (Node writes its cache at exit). */
async function boot(port: number, baseUrl: string, cache: string | undefined): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    OPENAI_BASE_URL: baseUrl,
    OPENAI_API_KEY: 'x',
  };
  delete env.NODE_COMPILE_CACHE;
  if (cache) env.NODE_COMPILE_CACHE = cache;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['global-map.ts'], {
    cwd: LLAMAINDEX,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('listening on') && resolve());
    child.on('exit', (code) => reject(new Error(`the app exited with ${code} before listening`)));
  });
  const took = performance.now() - t0;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return took;
}

async function compileCache(): Promise<{ cold: number; warm: number }> {
  await using llm = await startMockLlm();
  const ports = new PortAllocator();
  const cache = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-cache-'));
  try {
    await boot(await ports.next(), llm.baseUrl('bench', 'boot'), cache); // fills the cache
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < BOOTS; i++) {
      cold.push(await boot(await ports.next(), llm.baseUrl('bench', 'boot'), undefined));
      warm.push(await boot(await ports.next(), llm.baseUrl('bench', 'boot'), cache));
    }
    return { cold: median(cold), warm: median(warm) };
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

console.log(
  `amnesia load bench: Node ${process.versions.node}, ${os.availableParallelism()} cores, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (a shared machine: figures are noisy)`,
);
const fixed = await loadRun('postgres');
printLoad('the fixed app (memory in PostgreSQL, embedded PGlite)', fixed);
const light = await loadRun('global');
printLoad('memory in one process (no store: the least work per turn)', light);
const mock = await mockAlone();
const needed = fixed.r.llm.requests / (fixed.wallMs / 1000);
console.log(
  `mock LLM alone: ${Math.round(mock.perSecond)} chat completions/s at ${CONCURRENCY} at once (client in the same process), ${Math.round(mock.cpuUs)} µs CPU each; the fixed-app load needed ${Math.round(needed)}/s: ${(mock.perSecond / needed).toFixed(1)} × headroom, ${((100 * needed * mock.cpuUs) / 1e6).toFixed(0)} % of one core at that rate: not the bottleneck`,
);
const cc = await compileCache();
console.log(
  `compile cache: LlamaIndex app spawn → listening, median of ${BOOTS} interleaved boots: ${Math.round(cc.cold)} ms without NODE_COMPILE_CACHE, ${Math.round(cc.warm)} ms with a warm one (${(100 * (1 - cc.warm / cc.cold)).toFixed(0)} % less)`,
);
