/**
 * `npx node bench/vitest-vs-cli.ts`: the same 10 scenario files run by `npx amnesia run` and by
 * `npx vitest run` on a test file that calls `describeScenarios`, against the plain-node test app
 * with its memory in the embedded PostgreSQL (every scenario passes, so no probe ladder runs).
 * Wall time of each whole command, runs interleaved; quoted figures are medians of this one run.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { linkAmnesia } from '../test/helpers/linked-package.ts';
import { median } from './stats.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const STEPS = [
  '  - restart: r1',
  '  - crash: r2w1',
  '  - redeploy: r1',
  '  - restart',
  '  - crash',
  '  - redeploy: { strategy: at-once, target: r2 }',
  '  - restart: r2w2',
  '  - crash: r1w2',
  '  - redeploy',
  '  - restart: r2',
];

/** Scenario i: say a fact, a disruption, ask for it elsewhere (2 × 2, three turns). */
const scenario = (i: number) => `name: scenario ${i + 1}
steps:
  - user: My cat is called Miso${i}.
    on: r1w1
  - user: What is my cat called?
    on: r2w2
    expect: { recall: [Miso${i}] }
${STEPS[i]}
  - user: Tell me my cat's name again.
    expect: { recall: [Miso${i}] }
`;

function timed(args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-vitest-'));
try {
  await writeFile(
    path.join(dir, 'amnesia.config.yaml'),
    `app:
  command: node server.ts
  cwd: ${path.join(REPO, 'test/apps/basic')}
  env: { MEMORY_MODE: postgres }
  ready: { log: listening on }
  stop_grace: 2s
services:
  db: { postgres: embedded }
`,
  );
  await mkdir(path.join(dir, 'scenarios'));
  for (let i = 0; i < 10; i++) await writeFile(path.join(dir, 'scenarios', `s${i + 1}.yaml`), scenario(i));
  await writeFile(
    path.join(dir, 'scenarios.test.ts'),
    `import { describeScenarios } from 'amnesia/vitest';\ndescribeScenarios('scenarios');\n`,
  );
  await linkAmnesia(dir);
  const cli = [path.join(REPO, 'bin/amnesia.js'), 'run'];
  const vitest = [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--testTimeout=300000'];
  // Warm-up (the embedded PostgreSQL template is made once per machine).
  await timed(cli, dir);
  const times = { cli: [] as number[], vitest: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    times.cli.push(await timed(cli, dir));
    times.vitest.push(await timed(vitest, dir));
  }
  const c = median(times.cli);
  const v = median(times.vitest);
  const s = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(1)).join(', ');
  console.log(
    `10 scenarios (2 × 2, 3 turns and a disruption each, embedded PostgreSQL), ${RUNS} runs each, interleaved`,
  );
  console.log(`  npx amnesia run        median ${(c / 1000).toFixed(1)} s  (${s(times.cli)})`);
  console.log(`  npx vitest run         median ${(v / 1000).toFixed(1)} s  (${s(times.vitest)})`);
  console.log(`  vitest / amnesia run   ${(v / c).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
