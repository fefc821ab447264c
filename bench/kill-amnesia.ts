/**
 * `npm run bench:kill`: kills `amnesia run` with SIGINT, SIGTERM, SIGHUP and SIGKILL at random
 * moments (KILLS=n per signal, 15 by default) and checks two things after each kill:
 * - its exit status: 128 + the signal, always (130, 143, 129; 137 for SIGKILL), never the status of
 *   the run it cut short: a cancelled CI job must not look green;
 * - what it left: the next run starts and looks for the killed one's processes (workers, their
 *   grandchildren, services, overlay holders, the reaper), mounts, scratch folders and app copies.
 * A moment is "after the Nth line the run printed" (N drawn over the lines of a whole run, measured
 * first), plus up to 300 ms, so kills land at start-up, in turns, disruptions, between scenarios
 * and during shutdown. A kill that would land after the run ended is not sent, and counted apart.
 */
import { constants as osConstants } from 'node:os';
import { KillLab, settled } from '../test/support/kill-amnesia.ts';

const KILLS = Number(process.env.KILLS ?? 15);
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
const expected = (s: (typeof SIGNALS)[number]) => 128 + osConstants.signals[s];

await using lab = await KillLab.create({ scenarios: 'many' });
const whole = lab.start();
const wholeStatus = await whole.exited;
const lineCount = whole.output().split('\n').length - 1;
console.log(`a whole run: exit ${wholeStatus}, ${lineCount} lines`);

const order = SIGNALS.flatMap((s) => Array.from({ length: KILLS }, () => s)).sort(() => Math.random() - 0.5);
const tally = new Map(
  SIGNALS.map((s) => [
    s,
    { kills: 0, late: 0, clean: 0, statusOk: 0, wrong: [] as string[], found: [] as string[] },
  ]),
);
let current = lab.start();
for (const [i, signal] of order.entries()) {
  const t = tally.get(signal) as NonNullable<ReturnType<typeof tally.get>>;
  const n = 1 + Math.floor(Math.random() * lineCount);
  const alive = await current.lines(n);
  await new Promise((r) => setTimeout(r, Math.random() * 300));
  if (!alive || current.ended()) {
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
let kills = 0;
let wrong = 0;
for (const [signal, t] of tally) {
  kills += t.kills;
  wrong += t.wrong.length;
  console.log(
    `${signal.padEnd(7)} ${t.kills} kills (+${t.late} not sent: the run had ended): exit ${expected(signal)} ${t.statusOk} times, wrong ${t.wrong.length}; nothing left after ${t.clean} of ${t.kills + t.late}`,
  );
  for (const f of [...t.wrong, ...t.found].slice(0, 5)) console.log(`  ${f}`);
}
console.log(`${wrong} wrong exit codes in ${kills} kills`);
console.log(`after the last run: ${final.length === 0 ? 'nothing left' : final.join('; ')}`);
if (wrong > 0 || final.length > 0 || [...tally.values()].some((t) => t.found.length > 0))
  process.exitCode = 1;
