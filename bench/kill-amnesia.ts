/**
 * `npm run bench:kill`: kills `amnesia run` with SIGINT, SIGTERM, SIGHUP and SIGKILL at random
 * moments and checks three things after each kill:
 * - its exit status: 128 + the signal, always (130, 143, 129; 137 for SIGKILL), never the status of
 *   the run it cut short: a cancelled CI job must not look green;
 * - that it ends at all: a run still there 2 minutes after the signal is a finding (it and every
 *   process of the lab's runs are then SIGKILLed, so the kills after it still count);
 * - what it left: workers, their grandchildren and setsid daemons, services, overlay holders, the
 *   reaper, mounts, scratch folders, app copies, containers and volumes. Looked for from the
 *   killed run's exit until nothing is left (up to 10 s: the time this takes is printed), then
 *   again once the next run has started (it sweeps what a dead reaper left).
 * A moment is a share, drawn at random, of the shortest whole run seen so far (one is measured
 * first; every run that ends before its kill is a whole run too), counted from the run's spawn, so
 * kills land at start-up, in turns, disruptions, between scenarios and in the last teardown. A
 * run that ends before its moment (a loaded machine makes runs slower and faster) is counted as
 * late and its signal is tried again on a new run, until every signal has its count of kills sent;
 * at most as many late runs per lab as kills asked for, then the lab stops and says so.
 *
 * Three labs, each with its own count of kills per signal:
 * - `process` (KILLS, 15): the plain test app with a grandchild per worker, five scenarios;
 * - `daemons` (KILLS_DAEMONS, 3): the same app whose every worker forks a setsid daemon that ignores
 *   SIGTERM, SIGINT and SIGHUP;
 * - `container` (KILLS_CONTAINER, 2): the app on the container runtime (skipped, and said so, when
 *   no container engine or no local/node:24 image answers; NODE_IMAGE names another image).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { KillLab, settled } from '../test/support/kill-amnesia.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
type Signal = (typeof SIGNALS)[number];
const expected = (s: Signal) => 128 + osConstants.signals[s];
/** A whole run, a killed run's end, a new run's first line: generous, so only a hang trips them. */
const WHOLE_RUN_MS = 10 * 60_000;
const AFTER_KILL_MS = 2 * 60_000;
const RUN_ID_MS = 2 * 60_000;

type Run = ReturnType<KillLab['start']>;

/** Alive and not a zombie, per /proc. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

const TIMED_OUT = Symbol('timed out');
/** `p`, or TIMED_OUT once `ms` have passed. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<typeof TIMED_OUT>((r) => {
        timer = setTimeout(() => r(TIMED_OUT), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves at `at` (a `performance.now()` value) or when `run` ends, whichever comes first. */
async function until(at: number, run: Run): Promise<void> {
  await within(run.exited, Math.max(0, at - performance.now()));
}

interface Tally {
  sent: number;
  late: number;
  right: number;
  wrong: string[];
  hung: string[];
  /** Still there 10 s after the killed run's exit, and still there once the next run started. */
  left: string[];
  leftForNext: string[];
  /** Seconds from each killed run's exit until nothing of it was found. */
  gone: number[];
  shares: number[];
  /**
   * Where the kills landed, by what the run had printed: before its first turn, from there until
   * its summary (the last scenario's teardown comes before the summary), after the summary (the
   * process ends within a millisecond of printing it, so this is rare).
   */
  phases: Record<Phase, number>;
}

type Phase = 'start-up' | 'scenarios' | 'after the summary';
function phase(output: string): Phase {
  if (/^\d+ scenarios: /m.test(output)) return 'after the summary';
  return output.includes(' → ') ? 'scenarios' : 'start-up';
}

interface LabResult {
  name: string;
  tally: Map<Signal, Tally>;
  span: number;
  gaveUp: boolean;
  final: string[];
}

class Hung extends Error {}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function campaign(
  name: string,
  options: Parameters<typeof KillLab.create>[0],
  kills: number,
): Promise<LabResult | undefined> {
  await using lab = await KillLab.create(options);

  /** Start a run and wait for its run id; a run that prints none in time is a finding. */
  const start = async (): Promise<{ run: Run; id: string }> => {
    const run = lab.start();
    const id = await within(run.runId, RUN_ID_MS);
    if (typeof id === 'string') return { run, id };
    lab.killEverything(run.pid);
    await within(run.exited, 10_000);
    throw new Hung(
      `${name}: a run printed no run id ${id === TIMED_OUT ? `within ${RUN_ID_MS / 1000} s` : 'before it ended'}; its output:\n${run.output().slice(-1500)}`,
    );
  };

  const whole = lab.start();
  const wholeStatus = await within(whole.exited, WHOLE_RUN_MS);
  if (wholeStatus === TIMED_OUT) {
    lab.killEverything(whole.pid);
    throw new Hung(`${name}: a whole run did not end within ${WHOLE_RUN_MS / 60_000} min`);
  }
  let span = performance.now() - whole.startedAt;
  console.log(
    `\n== ${name}: a whole run exits ${wholeStatus} after ${whole.lineCount()} lines, ${seconds(span)} s`,
  );
  if (wholeStatus === 2) {
    console.log(`${name}: skipped, a whole run could not run:\n${whole.output().slice(-1500)}`);
    return undefined;
  }
  const queue = SIGNALS.flatMap((s) => Array.from({ length: kills }, () => s)).sort(
    () => Math.random() - 0.5,
  );
  const asked = queue.length;
  const tally = new Map<Signal, Tally>(
    SIGNALS.map((s) => [
      s,
      {
        sent: 0,
        late: 0,
        right: 0,
        wrong: [],
        hung: [],
        left: [],
        leftForNext: [],
        gone: [],
        shares: [],
        phases: { 'start-up': 0, scenarios: 0, 'after the summary': 0 },
      },
    ]),
  );
  let late = 0;
  let gaveUp = false;
  let current = (await start()).run;
  let attempt = 0;
  while (queue.length > 0) {
    attempt++;
    const signal = queue.shift() as Signal;
    const t = tally.get(signal) as Tally;
    const share = Math.random();
    await until(current.startedAt + share * span, current);
    const at = `${signal} at ${seconds(performance.now() - current.startedAt)} s (${share.toFixed(2)} of a whole run), after line ${current.lineCount()}`;
    // Ended, or exited and not yet reaped (a zombie): a kill now would reach nothing.
    const sent = !(current.ended() || !running(current.pid));
    if (!sent) {
      const status = await current.exited;
      const took = performance.now() - current.startedAt;
      if (status !== null && status < 128) span = Math.min(span, took);
      t.late++;
      late++;
      queue.splice(Math.floor(Math.random() * (queue.length + 1)), 0, signal);
      if (late > asked) {
        gaveUp = true;
        console.log(`\n${name}: ${late} runs ended before their kill; giving up with ${queue.length} unsent`);
        break;
      }
    } else {
      t.phases[phase(current.output())]++;
      process.kill(current.pid, signal);
      t.sent++;
      t.shares.push(share);
      const status = await within(current.exited, AFTER_KILL_MS);
      if (status === TIMED_OUT) {
        t.hung.push(
          `${at}: still running ${AFTER_KILL_MS / 1000} s later; its output ended:\n${current.output().slice(-800)}`,
        );
        lab.killEverything(current.pid);
        await within(current.exited, 10_000);
      } else if (status === expected(signal)) t.right++;
      else t.wrong.push(`exit ${status} after ${at}; its output ended:\n${current.output().slice(-800)}`);
    }
    // What the run left: looked for until it is gone, then again once the next run has started.
    const after = sent ? `after ${at}` : 'after a whole run';
    const exitedAt = performance.now();
    const left = await settled(() => lab.leftovers(undefined));
    if (left.length > 0) t.left.push(...left.map((f) => `${after}: ${f}`));
    else if (sent) t.gone.push((performance.now() - exitedAt) / 1000);
    const next = await start();
    const forNext = await settled(() => lab.leftovers(next.id));
    t.leftForNext.push(...forNext.map((f) => `${after}, once the next run started: ${f}`));
    current = next.run;
    if (process.stdout.isTTY)
      process.stdout.write(`\r${name}: ${asked - queue.length}/${asked} kills sent, ${late} late`);
  }
  console.log(`\n${name}: ${asked - queue.length}/${asked} kills sent, ${late} late, in ${attempt} runs`);
  process.kill(current.pid, 'SIGINT');
  await within(current.exited, AFTER_KILL_MS);
  const final = await settled(() => lab.leftovers(undefined));
  console.log('');
  for (const [signal, t] of tally) {
    console.log(
      `${signal.padEnd(7)} ${t.sent} kills (+${t.late} late: the run had ended, tried again on a new run): exit ${expected(signal)} ${t.right} times, wrong ${t.wrong.length}, hung ${t.hung.length}; ${describeGone(t)}; moments ${spread(t.shares)} of a whole run (${Object.entries(
        t.phases,
      )
        .map(([p, n]) => `${n} in ${p}`)
        .join(', ')})`,
    );
    for (const f of [...t.wrong, ...t.hung, ...t.left, ...t.leftForNext].slice(0, 5)) console.log(`  ${f}`);
  }
  console.log(`${name}: shortest whole run ${seconds(span)} s`);
  console.log(`${name}, after the last run: ${final.length === 0 ? 'nothing left' : final.join('; ')}`);
  return { name, tally, span, gaveUp, final };
}

function describeGone(t: Tally): string {
  const left = t.left.length + t.leftForNext.length;
  const g = [...t.gone].sort((a, b) => a - b);
  const range = g.length > 0 ? `${g[0]?.toFixed(2)}–${g.at(-1)?.toFixed(2)} s` : 'n/a';
  return `${left === 0 ? 'nothing left' : `${left} leftovers`}; gone in ${range}`;
}

/** The median of sorted `g`. */
function median(g: number[]): number {
  const mid = g.length / 2;
  return Number.isInteger(mid) ? ((g[mid - 1] ?? 0) + (g[mid] ?? 0)) / 2 : (g[Math.floor(mid)] ?? 0);
}

function spread(shares: number[]): string {
  if (shares.length === 0) return 'none';
  const s = [...shares].sort((a, b) => a - b);
  return `${s[0]?.toFixed(2)}–${s.at(-1)?.toFixed(2)}`;
}

/** The table of the closing note: one row per lab and signal. */
function table(results: LabResult[]): string {
  const rows = [
    '| lab | signal | kills sent | late (not sent, retried) | exit right | exit wrong | hung | leftovers | time for leftovers to go |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results)
    for (const [signal, t] of r.tally) {
      const g = [...t.gone].sort((a, b) => a - b);
      const left = [...t.left, ...t.leftForNext];
      rows.push(
        `| ${r.name} | ${signal} | ${t.sent} | ${t.late} | ${t.right} (${expected(signal)}) | ${t.wrong.length} | ${t.hung.length} | ${left.length === 0 ? 'none' : left.length} | ${g.length > 0 ? `${g[0]?.toFixed(2)}–${g.at(-1)?.toFixed(2)} s (median ${median(g).toFixed(2)} s)` : 'n/a'} |`,
      );
    }
  return rows.join('\n');
}

const count = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
// As .ci/docker-env.sh: no ryuk (amnesia removes what it starts), the engine on loopback.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
const image = process.env.NODE_IMAGE ?? 'local/node:24';
const engine = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
// LABS=process,daemons,container (the default: all three) picks the labs.
const labs = (process.env.LABS ?? 'process,daemons,container').split(',');
const plan: [string, Parameters<typeof KillLab.create>[0], number][] = [];
if (labs.includes('process')) plan.push(['process', { scenarios: 'many' }, count(process.env.KILLS, 15)]);
if (labs.includes('daemons'))
  plan.push(['daemons', { scenarios: 'many', daemons: true }, count(process.env.KILLS_DAEMONS, 3)]);
if (labs.includes('container') && engine)
  plan.push(['container', { runtime: 'container', nodeImage: image }, count(process.env.KILLS_CONTAINER, 2)]);
else if (labs.includes('container'))
  console.log(`\n== container: skipped (no container engine, or no ${image} image; see .ci/docker-setup.sh)`);

const results: LabResult[] = [];
const findings: string[] = [];
for (const [name, options, kills] of plan) {
  try {
    const r = await campaign(name, options, kills);
    if (r) results.push(r);
  } catch (e) {
    if (!(e instanceof Hung)) throw e;
    findings.push(e.message);
    console.log(`\n${e.message}`);
  }
}
let sent = 0;
let wrong = 0;
let dirty = 0;
for (const r of results) {
  dirty += r.final.length;
  for (const t of r.tally.values()) {
    sent += t.sent;
    wrong += t.wrong.length;
    dirty += t.left.length + t.leftForNext.length;
    findings.push(...t.hung);
  }
  if (r.gaveUp) findings.push(`${r.name}: gave up before every kill was sent`);
}
console.log(`\n${table(results)}`);
console.log(
  `\nall labs: ${wrong} wrong exit codes in ${sent} kills; ${dirty} leftovers found; ${findings.length} other findings`,
);
if (wrong > 0 || dirty > 0 || findings.length > 0) process.exitCode = 1;
