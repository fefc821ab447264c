/**
 * `npm run bench` (part 5): the fixed cost of a run, whole process against whole process.
 *
 * A: `amnesia run` as a user starts it (`node bin/amnesia.js run scenario.yaml`, its own compile
 * cache warm after the first run) on a 20-turn scenario of one session on one worker (1 × 1; the
 * last turn recalls the first, so one control turn runs too) against the small Python app in
 * bench/fixed-cost/ (standard library only; ready when it prints its port).
 * B: what the same work costs with no harness: bench/fixed-cost/curl-loop.sh starts a trivial
 * fake LLM and the same app, sends the same 20 turns with curl, and stops both.
 *
 * The two run in turn (A B A B …) after one warm-up pair, so that a shared machine's drift falls
 * on both; each figure is a median, and the ratio is the median of the pair-by-pair ratios.
 * Wall: spawn to close. CPU: user + system of the command and every process it waited for
 * (`cutime` + `cstime` of /proc/self/stat, so Linux only, as the shell loop is).
 * Target: wall ratio ≤ 1.5.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, spread } from './stats.ts';

const DIR = path.resolve(import.meta.dirname, 'fixed-cost');
const CLI = path.resolve(import.meta.dirname, '../bin/amnesia.js');
const TURNS = 20;
const PAIRS = Number(process.env.BENCH_PAIRS ?? 9);
/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
const TICKS = 100;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** CPU time of this process's children that have ended and been waited for, in ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state): cutime is 16, cstime 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
}

function timed(command: string, args: readonly string[]): Promise<Sample> {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: DIR, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`));
      else resolve({ wallMs, cpuMs: childrenCpuMs() - cpu0 });
    });
  });
}

const amnesia = () => timed(process.execPath, [CLI, 'run', 'scenario.yaml']);
const shellLoop = () => timed('bash', [path.join(DIR, 'curl-loop.sh'), String(TURNS)]);

console.log(
  `fixed cost: ${TURNS} turns on 1 × 1 against a small Python app, whole process, ${PAIRS} pairs after a warm-up (Node ${process.versions.node}, ${os.availableParallelism()} cores)`,
);
await amnesia();
await shellLoop();
const a: Sample[] = [];
const b: Sample[] = [];
for (let i = 0; i < PAIRS; i++) {
  a.push(await amnesia());
  b.push(await shellLoop());
}
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
const x = (r: number) => `${r.toFixed(2)} ×`;
const ratios = (f: (p: Sample) => number) => a.map((p, i) => f(p) / f(b[i] as Sample));
console.log(
  `  amnesia run   wall ${spread(
    a.map((p) => p.wallMs),
    s,
  )}   CPU ${spread(
    a.map((p) => p.cpuMs),
    s,
  )}`,
);
console.log(
  `  shell loop    wall ${spread(
    b.map((p) => p.wallMs),
    s,
  )}   CPU ${spread(
    b.map((p) => p.cpuMs),
    s,
  )}`,
);
console.log(
  `  ratio (median of the pairs): wall ${x(median(ratios((p) => p.wallMs)))} (target ≤ 1.5), CPU ${x(median(ratios((p) => p.cpuMs)))}`,
);
