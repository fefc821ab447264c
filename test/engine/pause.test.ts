import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DisruptionStepRecord, RunEvent, RunResult, TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { createMatcher } from '../../src/scenario/matcher.ts';
import { ProcessRegistry } from '../../src/topology/process-registry.ts';
import { startOnFreePort } from '../../src/topology/worker-process.ts';
import { BASIC_APP, basicProject, leftovers } from '../helpers/basic-app.ts';

const steps = (r: RunResult) => r.scenarios[0]?.steps ?? [];
const turns = (r: RunResult) => steps(r).filter((s): s is TurnRecord => s.kind === 'turn');
const disruptions = (r: RunResult) =>
  steps(r).filter((s): s is DisruptionStepRecord => s.kind === 'disruption');

/** `R` running, `S` sleeping, `T` stopped (SIGSTOP); undefined once gone or a zombie. */
function stateOf(pid: number): string | undefined {
  try {
    const state = /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state === 'Z' ? undefined : state;
  } catch {
    return undefined;
  }
}

/** Resolve once the process is stopped (SIGSTOP); the test's own timeout bounds the wait. */
async function untilStopped(pid: number): Promise<void> {
  while (stateOf(pid) !== 'T') await new Promise((r) => setTimeout(r, 5));
}

describe('pause: workers stopped with SIGSTOP for a while, then continued', () => {
  it('a turn after the pause reaches the continued worker, which still remembers (same process)', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/s.yaml': `name: paused between turns
topology: { replicas: 1, workers: 1 }
steps:
  - user: My name is Ada.
  - pause: { target: r1w1, for: 300ms }
  - user: What is my name?
    expect: { recall: [Ada] }
`,
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.status).toBe('passed');
    const [d] = disruptions(result);
    expect(d).toMatchObject({
      type: 'pause',
      description: 'pause r1w1 for 300 ms (SIGSTOP, then SIGCONT)',
      changes: [{ id: 'r1w1' }],
    });
    expect(d?.durationMs).toBeGreaterThanOrEqual(300);
    const [said, asked] = turns(result);
    expect(asked?.pid).toBe(said?.pid);
    expect(asked?.after).toEqual(['pause r1w1 for 300 ms (SIGSTOP, then SIGCONT)']);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a client whose timeout is shorter than the pause gives up on the turn in flight: the report says it timed out', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/s.yaml': `name: paused past the client's timeout
topology: { replicas: 1, workers: 1 }
timeout: 1s
steps:
  - user: My name is Ada.
  - pause: { target: r1w1, for: 3s }
    during:
      - user: I like tea.
  - user: What is my name?
    expect: { recall: [Ada] }
`,
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const [, inFlight, after] = turns(result);
    expect(inFlight?.inFlight).toMatchObject({ description: 'pause r1w1 for 3000 ms' });
    expect(inFlight?.failure?.kind).toBe('timeout');
    const answered = inFlight?.expectations.find((e) => e.kind === 'answered');
    expect(answered?.passed).toBe(false);
    expect(answered?.message).toMatch(
      /^the request failed while pause r1w1 for 3000 ms was under way: the client gave up before the app answered \(POST \/chat: no answer within 1s \(chat\.timeout\)\)$/,
    );
    // The worker was continued: the next turn is answered by the same process, which remembers.
    expect(after?.passed).toBe(true);
    expect(after?.pid).toBe(inFlight?.pid);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a run cancelled during a pause leaves no process, stopped or not', { timeout: 120_000 }, async () => {
    await using project = await basicProject('global', {
      'scenarios/s.yaml': `name: cancelled while paused
topology: { replicas: 1, workers: 2 }
steps:
  - user: My name is Ada.
  - pause: { target: all, for: 5m }
  - user: What is my name?
    expect: { recall: [Ada] }
`,
    });
    const pids: number[] = [];
    const ac = new AbortController();
    let cancelled: Promise<void> | undefined;
    const onEvent = (e: RunEvent) => {
      if (e.type === 'worker-ready') pids.push(e.pid);
      if (e.type === 'turn')
        cancelled ??= Promise.all(pids.map(untilStopped)).then(() => {
          // The workers' environment names the run: what is left of it is found by that.
          runId = /AMNESIA_RUN_ID=([^\0]+)/.exec(readFileSync(`/proc/${pids[0]}/environ`, 'latin1'))?.[1];
          ac.abort();
        });
    };
    let runId: string | undefined;
    await expect(run({ cwd: project.dir, probe: 'never', onEvent, signal: ac.signal })).rejects.toMatchObject(
      {
        code: 'AMNESIA_ABORTED',
      },
    );
    await cancelled;
    expect(pids).toHaveLength(2);
    expect(runId).toBeDefined();
    expect(pids.map(stateOf)).toEqual([undefined, undefined]);
    expect(leftovers(runId ?? '')).toEqual([]);
  });

  it('stopping a paused process continues it first, so that its SIGTERM takes effect within the grace period', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-pause-'));
    const registry = new ProcessRegistry();
    try {
      const { proc } = await startOnFreePort(
        new (await import('../../src/topology/free-port.ts')).PortAllocator(),
        (port) => ({
          name: 'worker r1w1',
          argv: [process.execPath, path.join(BASIC_APP, 'server.ts')],
          cwd: dir,
          env: { ...process.env, MEMORY_MODE: 'global', PORT: String(port) },
          port,
          logFile: path.join(dir, 'w.log'),
          ready: { log: createMatcher('listening on', { file: 'test', line: 0, column: 0 }) },
          bootTimeoutMs: 30_000,
          bootTimeoutKey: 'app.boot_timeout',
          registry,
        }),
      );
      await proc.pause();
      await untilStopped(proc.pid);
      // A grace far longer than the test: only a SIGTERM the app acts on ends it in time.
      const stopped = await proc.stop(600_000);
      expect(stopped).toEqual({ exit: { code: 0, signal: null }, forced: false });
      await proc.output.close();
      expect(readFileSync(path.join(dir, 'w.log'), 'utf8')).toMatch(/SIGSTOP\n.*SIGCONT\n.*SIGTERM/s);
      expect(registry.live()).toEqual([]);
    } finally {
      registry.killAll();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
