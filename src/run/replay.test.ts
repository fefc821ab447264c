import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { probeReplayCommand, replayCommand, replayScript } from './replay.ts';

const cwd = '/repo';

describe('replayCommand', () => {
  it('repeats every option that changes the run: the config, the seed, the turn timeout, the probe mode', () => {
    expect(
      replayCommand('/repo/scenarios/crash.yaml', {
        cwd,
        configFile: '/repo/test/apps/amnesia/local-disk.yaml',
        seed: 5,
        turnTimeoutMs: 20_000,
        probe: 'never',
      }),
    ).toBe(
      'npx amnesia run scenarios/crash.yaml --seed 5 -c test/apps/amnesia/local-disk.yaml --timeout 20s --probe never',
    );
  });

  it('names the config even when it is the default one, and leaves out defaults of the other options', () => {
    expect(
      replayCommand('/repo/scenarios/crash.yaml', {
        cwd,
        configFile: '/repo/amnesia.config.yaml',
        seed: 5,
        turnTimeoutMs: 1500,
        probe: 'on-failure',
      }),
    ).toBe('npx amnesia run scenarios/crash.yaml --seed 5 -c amnesia.config.yaml --timeout 1.5s');
    expect(replayCommand('/elsewhere/s.yaml', { cwd, configFile: undefined, seed: 1 })).toBe(
      'npx amnesia run ../elsewhere/s.yaml --seed 1',
    );
  });

  it('quotes what the shell would split or expand', () => {
    expect(replayCommand("/repo/my scenarios/it's.yaml", { cwd, configFile: undefined, seed: 1 })).toBe(
      `npx amnesia run 'my scenarios/it'\\''s.yaml' --seed 1`,
    );
  });

  it('replays the probe ladder on the same topology and config', () => {
    expect(
      probeReplayCommand({ replicas: 2, workers: 1 }, { cwd, configFile: '/repo/a.yaml', seed: 3 }),
    ).toBe('npx amnesia probe -c a.yaml --replicas 2 --workers 1');
  });
});

describe('replayScript', () => {
  it('goes to the folder the run started in first, so it works from any folder', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'amnesia replay '));
    try {
      const project = path.join(root, "project's folder");
      const script = path.join(root, 'replay.sh');
      await writeFile(script, replayScript('pwd', project), { mode: 0o755 });
      await expect(promisify(execFile)(script, [], { cwd: tmpdir() })).rejects.toThrow(); // no such folder yet
      await mkdir(project);
      const { stdout } = await promisify(execFile)(script, [], { cwd: '/' });
      expect(stdout.trim()).toBe(project);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
