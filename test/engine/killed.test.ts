import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { basicProject } from '../helpers/basic-app.ts';
import { BIN } from '../helpers/cli.ts';
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

// `probe` and `load` end the same way: a signal at any moment is 128 + the signal, and says so.
describe('amnesia probe and load cut short by a signal', () => {
  it.each([
    ['probe', 'SIGTERM', 143],
    ['load', 'SIGHUP', 129],
  ] as const)(
    '%s, by %s once its first turn was answered: exits %i and says it was cancelled',
    async (command, signal, status) => {
      await using project = await basicProject('global', {
        'scenarios/s.yaml': 'name: s\nsteps:\n  - user: hi\n',
      });
      const args = command === 'load' ? ['load', '--sessions', '400', '--turns', '5'] : ['probe'];
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: project.dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stderr.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      // probe prints each turn (`→`); load a line once its workers are ready.
      const cue = command === 'load' ? /ready/ : /→/;
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d) => {
          out += d;
          if (cue.test(out)) resolve();
        }),
      );
      child.kill(signal);
      expect(await exited).toBe(status);
      expect(out).toContain(`the ${command} was cancelled by ${signal}`);
    },
    120_000,
  );
});
