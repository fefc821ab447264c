/**
 * The container runtime against the process runtime, same app (the plain-node test app,
 * MEMORY_MODE=global) and same scenario: 1 replica × 2 workers, a turn, then a restart, 10
 * times; once restarting one worker (`restart: r1w1`: in a container, a signal to its process
 * group and a new exec), once the whole replica (`restart: r1`: in a container, the container
 * itself restarts). Cost per worker = the disruption's duration / the workers it restarted.
 * Then the engine's own part: a bare container restart and a bare exec round trip.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContainerEngine } from '../src/container/engine.ts';
import { runInContainer } from '../src/container/exec-process.ts';
import { run } from '../src/index.ts';
import { median } from './stats.ts';

const APP = path.resolve(import.meta.dirname, '../test/apps/basic');
const CYCLES = 10;
const NODE_IMAGE = process.env.AMNESIA_TEST_NODE_IMAGE ?? 'node:24';

const ms = (x: number) => `${x.toFixed(0)} ms`;

async function restartCost(runtime: 'process' | 'container', target: 'r1w1' | 'r1'): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-'));
  try {
    const steps = Array.from(
      { length: CYCLES },
      (_, i) => `  - user: "Turn ${i + 1}."\n  - restart: ${target}`,
    );
    await writeFile(
      path.join(dir, 'bench.yaml'),
      `name: bench\ntopology: { replicas: 1, workers: 2 }\nsteps:\n${steps.join('\n')}\n  - user: Last turn.\n`,
    );
    const container = `  runtime: container\n  build: { context: ${APP}, args: { BASE: ${NODE_IMAGE} } }\n`;
    await writeFile(
      path.join(dir, 'amnesia.config.yaml'),
      `app:\n  command: node server.ts\n  cwd: ${APP}\n  env: { MEMORY_MODE: global }\n  ready: { log: listening on }\n  stop_grace: 2s\n${runtime === 'container' ? container : ''}`,
    );
    const result = await run({ cwd: dir, patterns: ['bench.yaml'], probe: 'never' });
    const s = result.scenarios[0];
    if (s?.status !== 'passed')
      throw new Error(`bench scenario (${runtime}) did not pass: ${s?.error?.message}`);
    return median(s.steps.flatMap((x) => (x.kind === 'disruption' ? [x.durationMs / x.changes.length] : [])));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function engineFigures(): Promise<{ restart: number; exec: number }> {
  await using engine = await ContainerEngine.open(`bench-${process.pid}`);
  const Pod = class extends engine.tc.GenericContainer {
    withOpenStdin(): this {
      this.createOpts.OpenStdin = true;
      return this;
    }
  };
  const started = await engine.start(
    new Pod(NODE_IMAGE)
      .withOpenStdin()
      .withNetworkMode('host')
      .withEntrypoint(['/bin/sh', '-c'])
      .withCommand(['read _']),
    engine.name('bench', 'pod'),
    'bench',
    'bench container',
  );
  const c = engine.client.container.getById(started.getId());
  const restarts: number[] = [];
  const execs: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    let t0 = performance.now();
    await c.restart({ t: 0 });
    restarts.push(performance.now() - t0);
    t0 = performance.now();
    await runInContainer(c, ['true']);
    execs.push(performance.now() - t0);
  }
  return { restart: median(restarts), exec: median(execs) };
}

/** Print the container runtime's figures; say why not when no engine answers. */
export async function containerBench(): Promise<void> {
  console.log(
    `\ncontainer runtime vs process runtime: 1 × 2, ${CYCLES} restarts, test app MEMORY_MODE=global, image FROM ${NODE_IMAGE}`,
  );
  let engine: { restart: number; exec: number };
  try {
    engine = await engineFigures();
  } catch (e) {
    console.log(`skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return;
  }
  for (const target of ['r1w1', 'r1'] as const) {
    const proc = await restartCost('process', target);
    const cont = await restartCost('container', target);
    console.log(
      `restart: ${target} — per worker: process ${ms(proc)}, container ${ms(cont)}, ratio ${(cont / proc).toFixed(2)}`,
    );
  }
  console.log(
    `the engine's own part: a container restart ${ms(engine.restart)} (what \`restart: r1\` adds once per replica), an exec round trip ${ms(engine.exec)} (a signal or a start of a worker costs one each)`,
  );
}
