// Nothing a run creates on the container engine outlives it: not after a failing run, not
// after Ctrl-C, and what a killed run left is removed by the next run. Without an engine, a
// run that needs one stops at once with exit 2. The plain-node app, built with `app.build`
// (cheap boots), with a named volume per replica as its ./storage.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { BIN } from '../helpers/cli.ts';
import { basicContainerProject, ENGINE, labelled, turnsOf, verdicts } from './helpers.ts';

const VOLUME = '  volume: /app/storage\n';
const WAITS = `name: waits
topology: { replicas: 1, workers: 2 }
steps:
  - user: My cat is called Miso.
  - wait: 5m
  - user: What is my cat called?
    expect: { recall: [Miso] }
`;

/** Start `amnesia run` and resolve with its run id once the first turn was answered. */
function startCli(dir: string): { child: ChildProcess; runId: Promise<string>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '--probe', 'never'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const runId = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const id = /run (\S+)\n/.exec(out)?.[1];
      if (id && /main#1 → /.test(out)) resolve(id);
    });
    child.on('exit', (code) =>
      reject(new Error(`amnesia exited ${code} before the first turn:\n${out}\n${err}`)),
    );
  });
  return { child, runId, stderr: () => err };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );

describe.runIf(ENGINE)('containers and volumes are removed', { timeout: 240_000 }, () => {
  it('after a failing run: the volume kept ./storage across a restart of its container, not across a redeploy', async () => {
    await using project = await basicContainerProject(
      'disk',
      `name: volume
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - restart: r1
  - user: What is my cat called?
    expect: { recall: [Miso] }
  - redeploy: r1
  - user: What is my cat called, after the redeploy?
    expect: { recall: [Miso] }
`,
      VOLUME,
    );
    let runId = '';
    let during: string[] = [];
    const result = await run({
      cwd: project.dir,
      probe: 'never',
      onEvent: (e) => {
        if (e.type === 'run-start') runId = e.runId;
        if (e.type === 'turn' && e.turn.label === 'main#1') during = labelled(runId);
      },
    });
    expect(verdicts(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✗']);
    expect(result.exitCode).toBe(1);
    expect(during.filter((x) => x.startsWith('volume')).length).toBe(1);
    expect(during.filter((x) => x.startsWith('container')).length).toBe(1);
    const turns = turnsOf(result);
    expect(turns[1]?.container).toBe(turns[0]?.container);
    expect(turns[2]?.generation).toBe(2);
    expect(labelled(result.runId)).toEqual([]);
  });

  it('when the app fails to boot in its container: an error with its exit code and output, and its logs as artifacts', async () => {
    await using project = await basicContainerProject(
      'global',
      'name: boot\ntopology: { replicas: 2, workers: 1 }\nsteps:\n  - user: Hello.\n',
      '',
      { FAIL_BOOT: '1' },
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(result.exitCode).toBe(2);
    expect(s?.error?.code).toBe('AMNESIA_APP_EXITED');
    expect(s?.error?.message).toMatch(
      /^worker r\dw1 of boot exited with code 3 before a line matching listening on/,
    );
    expect(s?.error?.message).toMatch(
      /Last \d+ output lines? \(full output: .*r\dw1\.1\.log\):\n {4}\| \[stderr\] /,
    );
    expect(s?.artifactsDir).toBeDefined();
    expect(labelled(result.runId)).toEqual([]);
  });

  it('after Ctrl-C mid-run (exit 130)', async () => {
    await using project = await basicContainerProject('global', WAITS, VOLUME);
    const cli = startCli(project.dir);
    const runId = await cli.runId;
    expect(labelled(runId).length).toBeGreaterThan(0);
    const exited = exitOf(cli.child);
    cli.child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(cli.stderr()).toContain('SIGINT: stopping every process amnesia started');
    expect(labelled(runId)).toEqual([]);
  });

  it('left by a killed run: the next run removes them', async () => {
    await using project = await basicContainerProject('global', WAITS, VOLUME);
    const cli = startCli(project.dir);
    const killedRun = await cli.runId;
    // SIGKILL gives it no chance to clean: what runs now is left behind. (Checked before the
    // kill: a run of another test file may already remove it right after.)
    expect(labelled(killedRun).length).toBeGreaterThan(0);
    const exited = exitOf(cli.child);
    cli.child.kill('SIGKILL');
    await exited;
    await using next = await basicContainerProject(
      'global',
      'name: one turn\ntopology: { replicas: 1, workers: 1 }\nsteps:\n  - user: Hello.\n',
    );
    const result = await run({ cwd: next.dir, probe: 'never' });
    expect(result.exitCode).toBe(0);
    expect(labelled(killedRun)).toEqual([]);
  });
});

describe.runIf(process.getuid?.() === 0)('without a container engine', () => {
  it('a run that needs one stops at once with exit 2 and says how to fix it', async () => {
    await using project = await basicContainerProject('global', WAITS);
    // A private mount namespace where /run (and so /var/run/docker.sock) is an empty tmpfs.
    const out = spawnSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$@"', 'sh'].concat([
        process.execPath,
        BIN,
        'run',
      ]),
      { cwd: project.dir, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/no container engine answered/);
    expect(out.stderr).toMatch(/Start Docker/);
    expect(out.stdout).not.toMatch(/main#1/);
  });
});
