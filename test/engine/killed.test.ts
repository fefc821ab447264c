import { describe, expect, it } from 'vitest';
import { KillLab, settled } from '../support/kill-amnesia.ts';

// amnesia killed mid-run, by each signal a user, a terminal or a supervisor sends: nothing of that
// run may be left once the next run has started (processes, mounts, scratch folders, copies).
// bench/kill-amnesia.ts does the same 20 times per signal at random moments.
describe('amnesia killed in the middle of a run', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGQUIT', 131],
    ['SIGKILL', 128],
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
});
