import { describe, expect, it } from 'vitest';
import { KillLab, settled } from '../support/kill-amnesia.ts';

// amnesia killed mid-run, by each signal a user, a terminal or a supervisor sends: nothing of that
// run may be left once the next run has started (processes, mounts, scratch folders, copies).
// bench/kill-amnesia.ts does the same many times per signal at random moments.
describe('amnesia killed in the middle of a run', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGQUIT', 131],
    ['SIGKILL', 137],
  ] as const)(
    'by %s: exits %i, and the next run finds nothing left',
    async (signal, status) => {
      await using lab = await KillLab.create();
      const first = lab.start();
      const runId = await first.runId;
      expect(runId).toBeDefined();
      process.kill(first.pid, signal);
      expect(await first.exited).toBe(status);
      const next = lab.start();
      const nextId = await next.runId;
      expect(await settled(() => lab.leftovers(nextId))).toEqual([]);
      process.kill(next.pid, 'SIGINT');
      await next.exited;
      expect(await settled(() => lab.leftovers(undefined))).toEqual([]);
    },
    120_000,
  );

  // The signal lands right after a scenario's last turn, while its processes are being stopped:
  // the run once stopped starting scenarios and exited 0 ("1 passed, 0 failed, 0 errors, 4 skipped").
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    'by %s between two scenarios: exits %i and says the run was cancelled, never 0',
    async (signal, status) => {
      await using lab = await KillLab.create({ scenarios: 'many' });
      const run = lab.start();
      expect(await run.printed('main#2 → ')).toBe(true);
      process.kill(run.pid, signal);
      expect(await run.exited).toBe(status);
      expect(run.output()).toMatch(
        new RegExp(`the run was cancelled by ${signal}: \\d of 5 scenarios finished \\(.*\\); \\d not run`),
      );
      expect(run.output()).not.toMatch(/\d+ scenarios: \d+ passed/);
      expect(await settled(() => lab.leftovers(undefined))).toEqual([]);
    },
    120_000,
  );

  // Workers that fork setsid daemons (out of their process group, deaf to TERM/INT/HUP): amnesia's
  // own teardown (SIGINT) or its reaper (SIGKILL) finds them by the run id, before any next run.
  it.each([
    ['SIGINT', 130],
    ['SIGKILL', 137],
  ] as const)(
    'by %s while workers have setsid daemons: exits %i, and no daemon is left even before a next run',
    async (signal, status) => {
      await using lab = await KillLab.create({ daemons: true });
      const first = lab.start();
      expect(await first.printed('main#2 → ')).toBe(true);
      process.kill(first.pid, signal);
      expect(await first.exited).toBe(status);
      expect(await settled(() => lab.leftovers(undefined))).toEqual([]);
    },
    120_000,
  );
});
