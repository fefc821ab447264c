/**
 * `npm run bench`: how much time amnesia adds on top of the app's own boots and round trips.
 *
 * Scenario: 2 replicas × 2 workers, 20 turns, a graceful restart of every worker between turns,
 * against the plain-node test app (MEMORY_MODE=global). The floor is computed without amnesia:
 * the app's standalone spawn-to-listening median × the boots on the critical path (parallel
 * boots count once: 1 initial + 19 restarts) + the median direct round trip × 20 turns. The floor's
 * boots share one NODE_COMPILE_CACHE folder, as a run's workers do (amnesia gives every Node worker
 * of a run one), so that both sides compare boots with a warm cache.
 * Quoted figures are medians; ratios compare figures from this one run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { type MockLlm, type RunEvent, run, startMockLlm, type TurnRecord } from '../src/index.ts';
import { PortAllocator } from '../src/topology/free-port.ts';
import { containerBench } from './containers.ts';
import { median } from './stats.ts';

const APP = path.resolve(import.meta.dirname, '../test/apps/basic');
const TURNS = 20;
const BOOT_SAMPLES = 15;
const RTT_SAMPLES = 60;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function bootOnce(
  port: number,
  baseUrl: string,
  compileCache: string,
): Promise<{ ms: number; stop: () => Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['server.ts'], {
    cwd: APP,
    env: {
      ...process.env,
      PORT: String(port),
      MEMORY_MODE: 'global',
      OPENAI_BASE_URL: baseUrl,
      OPENAI_API_KEY: 'x',
      NODE_COMPILE_CACHE: compileCache,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('listening on') && resolve());
    child.on('exit', (code) => reject(new Error(`app exited ${code}`)));
  });
  const took = performance.now() - t0;
  return {
    ms: took,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

async function floorFigures() {
  await using llm = await startMockLlm();
  const cache = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-cache-'));
  try {
    return await floorBoots(llm, cache);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

async function floorBoots(llm: MockLlm, cache: string) {
  const ports = new PortAllocator();
  const boots: number[] = [];
  for (let i = 0; i < BOOT_SAMPLES; i++) {
    const b = await bootOnce(await ports.next(), llm.baseUrl('bench', 'direct'), cache);
    boots.push(b.ms);
    await b.stop();
  }
  // What "parallel boots count once" means on this machine: 4 boots at once share its cores.
  const together: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const apps = await Promise.all(
      [0, 1, 2, 3].map(async () => bootOnce(await ports.next(), llm.baseUrl('bench', 'direct'), cache)),
    );
    together.push(performance.now() - t0);
    await Promise.all(apps.map((a) => a.stop()));
  }
  const port = await ports.next();
  const app = await bootOnce(port, llm.baseUrl('bench', 'direct'), cache);
  const rtts: number[] = [];
  for (let i = 0; i < RTT_SAMPLES; i++) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: `direct-${i % 3}`, message: `Direct round trip number ${i}.` }),
    });
    await res.json();
    rtts.push(performance.now() - t0);
  }
  await app.stop();
  return { boot: median(boots), boot4: median(together), rtt: median(rtts.slice(5)) };
}

async function amnesiaFigures() {
  const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-'));
  try {
    const steps = Array.from(
      { length: TURNS },
      (_, i) => `  - user: "Bench turn number ${i + 1}."${i < TURNS - 1 ? '\n  - restart' : ''}`,
    ).join('\n');
    await writeFile(
      path.join(dir, 'bench.yaml'),
      `name: bench\ntopology: { replicas: 2, workers: 2 }\nsteps:\n${steps}\n`,
    );
    await writeFile(
      path.join(dir, 'amnesia.config.yaml'),
      `app:\n  command: node server.ts\n  cwd: ${APP}\n  env: { MEMORY_MODE: global }\n  ready: { log: listening on }\n`,
    );
    const stamps: { e: RunEvent; at: number }[] = [];
    const t0 = performance.now();
    const result = await run({
      cwd: dir,
      patterns: ['bench.yaml'],
      onEvent: (e) => stamps.push({ e, at: performance.now() }),
    });
    const wall = performance.now() - t0;
    if (result.scenarios[0]?.status !== 'passed')
      throw new Error(`bench scenario did not pass: ${JSON.stringify(result.scenarios[0]?.error)}`);
    // A turn's engine time runs from the previous step's end to its own; what the HTTP exchange
    // itself took (measured by the client) is the app's, the rest is amnesia's.
    const overheads: number[] = [];
    const latencies: number[] = [];
    for (let i = 1; i < stamps.length; i++) {
      const { e, at } = stamps[i] as { e: RunEvent; at: number };
      if (e.type !== 'turn') continue;
      const prev = stamps
        .slice(0, i)
        .findLast((s) => s.e.type === 'turn' || s.e.type === 'disruption' || s.e.type === 'scenario-start');
      const turn: TurnRecord = e.turn;
      latencies.push(turn.latencyMs);
      if (prev && prev.e.type !== 'scenario-start') overheads.push(at - prev.at - turn.latencyMs);
    }
    const restarts = result.scenarios[0].steps.flatMap((s) =>
      s.kind === 'disruption' ? [s.durationMs] : [],
    );
    return { wall, overhead: median(overheads), latency: median(latencies), restart: median(restarts) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `amnesia bench: 2 × 2, ${TURNS} turns, a restart of every worker between turns; test app MEMORY_MODE=global; ${RUNS} runs`,
);
const floor = await floorFigures();
const floorMs = floor.boot * TURNS + floor.rtt * TURNS; // 1 initial boot + 19 restarts = 20 boots on the critical path
console.log(
  `app alone: spawn→listening median ${ms(floor.boot)} (${BOOT_SAMPLES} boots), direct round trip median ${ms(floor.rtt)} (${RTT_SAMPLES} requests)`,
);
const floor4Ms = floor.boot4 * TURNS + floor.rtt * TURNS;
console.log(`floor: ${ms(floor.boot)} × ${TURNS} boots + ${ms(floor.rtt)} × ${TURNS} turns = ${ms(floorMs)}`);
console.log(
  `4 standalone boots at once take ${ms(floor.boot4)} on this machine (${os.availableParallelism()} cores): with that per boot the floor is ${ms(floor4Ms)}`,
);
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const r = await amnesiaFigures();
  runs.push(r);
  console.log(
    `run ${i + 1}: wall ${ms(r.wall)}, ratio ${(r.wall / floorMs).toFixed(2)} (${(r.wall / floor4Ms).toFixed(2)} to the 4-at-once floor), restart median ${ms(r.restart)}, turn latency median ${ms(r.latency)}, amnesia overhead per turn median ${ms(r.overhead)}`,
  );
}
const wall = median(runs.map((r) => r.wall));
console.log(
  `median of ${RUNS}: wall ${ms(wall)}; ratio to floor ${(wall / floorMs).toFixed(2)} (target ≤ 1.3), to the 4-at-once floor ${(wall / floor4Ms).toFixed(2)}; overhead per turn ${ms(median(runs.map((r) => r.overhead)))} (target ≤ 2 ms)`,
);

await containerBench();
