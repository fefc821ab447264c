/**
 * `npm run bench:kill`: kills `amnesia run` with SIGINT, SIGTERM, SIGHUP and SIGKILL at random
 * moments and checks two things after each kill:
 * - its exit status: 128 + the signal, always (130, 143, 129; 137 for SIGKILL), never the status of
 *   the run it cut short: a cancelled CI job must not look green;
 * - what it left: the next run starts and looks for the killed one's processes (workers, their
 *   grandchildren, services, overlay holders, the reaper), mounts, scratch folders, app copies,
 *   and containers and volumes.
 * A moment is "after the Nth line the run printed" (N drawn over the lines of a whole run, measured
 * first), plus up to 300 ms, so kills land at start-up, in turns, disruptions, between scenarios
 * and during shutdown. A kill that would land after the run ended is not sent, and counted apart.
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

/** Alive and not a zombie, per /proc. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

interface Tally {
  kills: number;
  late: number;
  clean: number;
  statusOk: number;
  wrong: string[];
  found: string[];
}

async function campaign(
  name: string,
  options: Parameters<typeof KillLab.create>[0],
  kills: number,
): Promise<{ kills: number; wrong: number; dirty: number }> {
  await using lab = await KillLab.create(options);
  const whole = lab.start();
  const wholeStatus = await whole.exited;
  const lineCount = whole.output().split('\n').length - 1;
  console.log(`\n== ${name}: a whole run exits ${wholeStatus} after ${lineCount} lines`);
  if (wholeStatus === 2) {
    console.log(`${name}: skipped, a whole run could not run:\n${whole.output().slice(-1500)}`);
    return { kills: 0, wrong: 0, dirty: 0 };
  }
  const order = SIGNALS.flatMap((s) => Array.from({ length: kills }, () => s)).sort(
    () => Math.random() - 0.5,
  );
  const tally = new Map<Signal, Tally>(
    SIGNALS.map((s) => [s, { kills: 0, late: 0, clean: 0, statusOk: 0, wrong: [], found: [] }]),
  );
  let current = lab.start();
  for (const [i, signal] of order.entries()) {
    const t = tally.get(signal) as Tally;
    // Runs print fewer lines when fewer scenarios fail: draw over the first 80 % of a whole run's.
    const n = 1 + Math.floor(Math.random() * Math.max(1, Math.floor(lineCount * 0.8)));
    const alive = await current.lines(n);
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    // Ended, or exited and not yet reaped (a zombie): a kill now would reach nothing.
    if (!alive || current.ended() || !running(current.pid)) {
      t.late++;
      await current.exited;
    } else {
      process.kill(current.pid, signal);
      const status = await current.exited;
      t.kills++;
      if (status === expected(signal)) t.statusOk++;
      else
        t.wrong.push(
          `exit ${status} after ${signal} at line ${n}; its output ended:\n${current.output().slice(-800)}`,
        );
    }
    const next = lab.start();
    const nextId = await next.runId;
    const found = await settled(() => lab.leftovers(nextId));
    if (found.length === 0) t.clean++;
    else t.found.push(...found.map((f) => `after ${signal} #${i + 1}: ${f}`));
    current = next;
    process.stdout.write(`\r${i + 1}/${order.length} kills`);
  }
  process.kill(current.pid, 'SIGINT');
  await current.exited;
  const final = await settled(() => lab.leftovers(undefined));
  console.log('');
  let sent = 0;
  let wrong = 0;
  let dirty = final.length;
  for (const [signal, t] of tally) {
    sent += t.kills;
    wrong += t.wrong.length;
    dirty += t.found.length;
    console.log(
      `${signal.padEnd(7)} ${t.kills} kills (+${t.late} not sent: the run had ended): exit ${expected(signal)} ${t.statusOk} times, wrong ${t.wrong.length}; nothing left after ${t.clean} of ${t.kills + t.late}`,
    );
    for (const f of [...t.wrong, ...t.found].slice(0, 5)) console.log(`  ${f}`);
  }
  console.log(`${name}: ${wrong} wrong exit codes in ${sent} kills`);
  console.log(`${name}, after the last run: ${final.length === 0 ? 'nothing left' : final.join('; ')}`);
  return { kills: sent, wrong, dirty };
}

const count = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
// As .ci/docker-env.sh: no ryuk (amnesia removes what it starts), the engine on loopback.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
const image = process.env.NODE_IMAGE ?? 'local/node:24';
const engine = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
// LABS=process,daemons,container (the default: all three) picks the labs.
const labs = (process.env.LABS ?? 'process,daemons,container').split(',');
const totals: { kills: number; wrong: number; dirty: number }[] = [];
if (labs.includes('process'))
  totals.push(await campaign('process', { scenarios: 'many' }, count(process.env.KILLS, 15)));
if (labs.includes('daemons'))
  totals.push(
    await campaign('daemons', { scenarios: 'many', daemons: true }, count(process.env.KILLS_DAEMONS, 3)),
  );
const containers = labs.includes('container');
if (containers && engine)
  totals.push(
    await campaign(
      'container',
      { runtime: 'container', nodeImage: image },
      count(process.env.KILLS_CONTAINER, 2),
    ),
  );
else if (containers)
  console.log(`\n== container: skipped (no container engine, or no ${image} image; see .ci/docker-setup.sh)`);
const all = totals.reduce((a, t) => ({
  kills: a.kills + t.kills,
  wrong: a.wrong + t.wrong,
  dirty: a.dirty + t.dirty,
}));
console.log(`\nall labs: ${all.wrong} wrong exit codes in ${all.kills} kills; ${all.dirty} leftovers found`);
if (all.wrong > 0 || all.dirty > 0) process.exitCode = 1;
