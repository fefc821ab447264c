import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { renderSummary } from '../../src/report/terminal-summary.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';
import { BIN } from '../helpers/cli.ts';

const TWO_TURNS = `name: two turns
steps:
  - user: My name is Ada.
  - user: What is my name?
    expect: { recall: [Ada] }
`;

describe('amnesia leaves no process behind', () => {
  it('when the app fails to boot: an error naming the worker, its exit code and its output (exit 2)', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { FAIL_BOOT: '1', SPAWN_CHILD: '1' } },
    );
    const result = await run({ cwd: project.dir });
    expect(result.exitCode).toBe(2);
    const s = result.scenarios[0];
    expect(s?.status).toBe('error');
    expect(s?.error?.code).toBe('AMNESIA_APP_EXITED');
    expect(s?.error?.message).toMatch(
      /^worker r\dw\d of two-turns exited with code 3 before a line matching listening on \(after \d+\.\d s\)\./,
    );
    expect(s?.error?.message).toMatch(/Last \d+ output lines? \(full output: .*\.log\):\n {4}\| \[stderr\] /);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('when the app never becomes ready: a boot timeout naming the limit', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { HANG_BOOT: '1', SPAWN_CHILD: '1' }, app: '  boot_timeout: 1s\n' },
    );
    const result = await run({ cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.scenarios[0]?.error?.code).toBe('AMNESIA_APP_BOOT_TIMEOUT');
    expect(result.scenarios[0]?.error?.message).toMatch(
      /was not ready after 1\.0 s \(app\.boot_timeout\): still waiting for a line matching listening on/,
    );
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('when a turn times out: the turn fails with the timeout and the worker output tail', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { SLOW_CHAT_MS: '60000', SPAWN_CHILD: '1' } },
    );
    const result = await run({ cwd: project.dir, turnTimeoutMs: 300 });
    expect(result.exitCode).toBe(1);
    const turn = result.scenarios[0]?.steps[0];
    expect(turn?.kind === 'turn' && turn.failure?.kind).toBe('timeout');
    expect(turn?.kind === 'turn' && turn.failure?.outputTail.join('\n')).toMatch(/listening on/);
    expect(leftovers(result.runId)).toEqual([]);
  });

  // A daemon leaves its worker's process group and session and ignores SIGTERM/INT/HUP: killing the
  // groups never reached it, and 8 such daemons outlived a clean passing run.
  it('when the app forks a setsid daemon: the teardown kills it by its run id and the report says so', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { SETSID_DAEMON: '1' } },
    );
    const result = await run({ cwd: project.dir });
    expect(leftovers(result.runId)).toEqual([]);
    const notes = result.scenarios[0]?.notes ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^the app left \d+ daemons running outside its workers' process groups \(started with setsid or a double fork\).*`sh -c trap "" TERM INT HUP; while :; do sleep 1; done` \(pid \d+\).*amnesia found them by AMNESIA_RUN_ID and killed them$/,
    );
    expect(renderSummary(result, { color: false })).toMatch(/^note {2}two turns: the app left \d+ daemons/m);
  });

  it('after Ctrl-C mid-run (exit 130), and a second Ctrl-C kills at once', { timeout: 60_000 }, async () => {
    const waiting = `name: waits\nsteps:\n  - user: My name is Ada.\n  - wait: 5m\n  - user: What is my name?\n    expect: { recall: [Ada] }\n`;
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': waiting },
      { env: { SPAWN_CHILD: '1' } },
    );
    for (const interrupts of [1, 2]) {
      const child = spawn(process.execPath, [BIN, 'run'], {
        cwd: project.dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      const runId = await new Promise<string>((resolve) => {
        child.stdout.on('data', (d) => {
          out += d;
          // The first turn has been answered: workers (and their children) are up, the wait has begun.
          const id = /run (\S+)\n/.exec(out)?.[1];
          if (id && /main#1 → /.test(out)) resolve(id);
        });
      });
      expect(leftovers(runId).length).toBeGreaterThan(0);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      if (interrupts === 2) child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(err).toContain('SIGINT: stopping every process amnesia started');
      expect(leftovers(runId)).toEqual([]);
    }
  });
});
