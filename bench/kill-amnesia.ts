/**
 * `npm run bench:kill`: kills `amnesia run` with SIGINT, SIGTERM, SIGHUP and SIGKILL at random
 * moments (20 times each by default, KILLS=n to change), and after each kill starts the next run and
 * looks for anything the killed one left: processes (workers, their grandchildren, services,
 * overlay holders, the reaper), mounts, scratch folders and app copies. Prints the counts.
 */
import { KillLab, settled } from '../test/support/kill-amnesia.ts';

const KILLS = Number(process.env.KILLS ?? 20);
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const;
const EXPECTED: Record<(typeof SIGNALS)[number], number> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
  SIGKILL: 128,
};

await using lab = await KillLab.create();
const order = SIGNALS.flatMap((s) => Array.from({ length: KILLS }, () => s)).sort(() => Math.random() - 0.5);
const tally = new Map(
  SIGNALS.map((s) => [
    s,
    { kills: 0, clean: 0, statusOk: 0, statuses: [] as (number | null)[], found: [] as string[] },
  ]),
);
let current = lab.start();
for (const [i, signal] of order.entries()) {
  const t = tally.get(signal) as NonNullable<ReturnType<typeof tally.get>>;
  // A random moment in the first 4 s: start-up, boots, turns, disruptions, shutdown.
  await new Promise((r) => setTimeout(r, Math.random() * 4000));
  try {
    process.kill(current.pid, signal);
  } catch {
    // it already ended: the kill landed after the run
  }
  const status = await current.exited;
  t.kills++;
  if (status === EXPECTED[signal] || status === 0 || status === 1) t.statusOk++;
  else {
    t.statuses.push(status);
    if (t.statuses.length === 1)
      t.found.push(
        `exit ${status} after ${signal} #${i + 1}; its output ended:\n${current.output().slice(-1500)}`,
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
for (const [signal, t] of tally) {
  console.log(
    `${signal.padEnd(7)} ${t.kills} kills: nothing left after ${t.clean}; exit status as expected (${EXPECTED[signal]}, or the run's own when it had ended) ${t.statusOk}${t.statuses.length ? `; other statuses: ${t.statuses.join(', ')}` : ''}`,
  );
  for (const f of t.found.slice(0, 5)) console.log(`  ${f}`);
}
console.log(`after the last run: ${final.length === 0 ? 'nothing left' : final.join('; ')}`);
if (final.length > 0 || [...tally.values()].some((t) => t.clean < t.kills)) process.exitCode = 1;
