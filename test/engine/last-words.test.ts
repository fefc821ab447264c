import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run, type TurnRecord } from '../../src/index.ts';
import { createMatcher } from '../../src/scenario/matcher.ts';
import type { PortAllocator } from '../../src/topology/free-port.ts';
import { ProcessRegistry } from '../../src/topology/process-registry.ts';
import { startOnFreePort, startProcess } from '../../src/topology/worker-process.ts';
import { BASIC_APP, basicProject, leftovers } from '../helpers/basic-app.ts';

const TWO_TURNS = `name: two turns
topology: { replicas: 1, workers: 1 }
steps:
  - user: My name is Ada.
  - user: What is my name?
    expect: { recall: [Ada] }
`;

const LISTENING = createMatcher('listening on', { file: 'test', line: 0, column: 0 });

describe("the app's last words reach amnesia's reports", () => {
  it('a boot failure after 2,000 lines of output: the error tail and the log file end with its last line', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { NOISY_BOOT: '2000' } },
    );
    const result = await run({ cwd: project.dir });
    const s = result.scenarios[0];
    expect(s?.error?.code).toBe('AMNESIA_APP_EXITED');
    const tail = s?.error?.message.split('\n').filter((l) => l.startsWith('    | ')) ?? [];
    expect(tail.at(-1)).toBe('    | [stderr] LAST LINE');
    expect(tail.at(-2)).toBe('    | [stderr] noise line 2000');
    const log = readFileSync(path.join(s?.artifactsDir ?? '', 'logs', 'r1w1.1.log'), 'utf8');
    expect(log).toContain('[stderr] noise line 1999\n[stderr] noise line 2000\n[stderr] LAST LINE\n');
    expect(log).toMatch(/── amnesia: worker r1w1 of two-turns pid \d+ exited with code 1\n$/);
  });

  it('a worker that exits in the middle of a turn: the turn says so, with the line it printed', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { EXIT_ON: 'What is my name' } },
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    const turn = result.scenarios[0]?.steps[1] as TurnRecord;
    expect(turn.failure?.message).toMatch(/\(worker r1w1 exited with code 3\)$/);
    expect(turn.failure?.outputTail.at(-1)).toBe(
      '[stderr] EXIT_ON=What is my name: exiting mid-turn on purpose',
    );
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a worker that exits during boot ends the wait at once, though its sibling never gets ready', async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS.replace('workers: 1', 'workers: 2') },
      // Without the early end, the run would wait out the 10-minute boot_timeout of r1w1.
      { env: { HANG_BOOT: 'r1w1', FAIL_BOOT: 'r1w2' }, app: '  boot_timeout: 10m\n' },
    );
    const result = await run({ cwd: project.dir });
    expect(result.scenarios[0]?.error?.code).toBe('AMNESIA_APP_EXITED');
    expect(result.scenarios[0]?.error?.message).toMatch(/^worker r1w2 of two-turns exited with code 3/);
    expect(leftovers(result.runId)).toEqual([]);
  });
});

describe('starting processes', () => {
  const held: Server[] = [];
  let dir = '';
  afterEach(async () => {
    for (const s of held.splice(0)) s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a port taken between the pick and the bind: the process starts again on another port', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amnesia-port-'));
    // Another process holds the first port amnesia hands out.
    const thief = createServer();
    await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
    held.push(thief);
    const taken = (thief.address() as { port: number }).port;
    const real = new (await import('../../src/topology/free-port.ts')).PortAllocator();
    let calls = 0;
    const ports = { next: () => (calls++ === 0 ? Promise.resolve(taken) : real.next()) } as PortAllocator;
    const registry = new ProcessRegistry();
    const { proc, clashes } = await startOnFreePort(ports, (port) => ({
      name: 'worker r1w1',
      argv: [process.execPath, path.join(BASIC_APP, 'server.ts')],
      cwd: dir,
      env: { ...process.env, MEMORY_MODE: 'global', PORT: String(port) },
      port,
      logFile: path.join(dir, 'w.log'),
      ready: { log: LISTENING },
      bootTimeoutMs: 30_000,
      bootTimeoutKey: 'app.boot_timeout',
      registry,
    }));
    try {
      expect(clashes).toEqual([taken]);
      expect(proc.port).not.toBe(taken);
      await proc.output.close();
      expect(readFileSync(path.join(dir, 'w.log'), 'utf8')).toContain(
        `port ${taken} was taken before the process could bind it: starting again on port ${proc.port}`,
      );
    } finally {
      await proc.kill();
    }
    expect(registry.live()).toEqual([]);
  });

  it('a command that cannot start is an error, and nothing is signalled', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amnesia-spawn-'));
    const registry = new ProcessRegistry();
    const kill = process.kill;
    const signalled: number[] = [];
    process.kill = ((pid: number, sig?: NodeJS.Signals | number) => {
      signalled.push(pid);
      return kill.call(process, pid, sig);
    }) as typeof process.kill;
    try {
      await expect(
        startProcess({
          name: 'worker r1w1',
          argv: ['/nonexistent/amnesia-app'],
          cwd: dir,
          env: process.env,
          port: 1,
          logFile: path.join(dir, 'w.log'),
          ready: {},
          bootTimeoutMs: 30_000,
          bootTimeoutKey: 'app.boot_timeout',
          registry,
        }),
      ).rejects.toMatchObject({
        code: 'AMNESIA_SPAWN_FAILED',
        message: expect.stringContaining('`/nonexistent/amnesia-app` was not found'),
      });
      registry.killAll();
    } finally {
      process.kill = kill;
    }
    expect(signalled).toEqual([]);
    expect(registry.live()).toEqual([]);
  });
});
