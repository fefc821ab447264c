import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { amnesiaMatchers, InvalidArgumentError, startApp, TurnFailedError } from '../../src/vitest/index.ts';
import { BASIC_APP, basicProject, leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { runVitest } from './run-vitest.ts';

expect.extend(amnesiaMatchers);

const configOf = (dir: string) => path.join(dir, 'amnesia.config.yaml');

describe('startApp', () => {
  it('routes, restarts and judges like a scenario: a process-global map forgets on another worker and after a restart', {
    timeout: 60_000,
  }, async () => {
    await using project = await basicProject('global', {});
    let runId = '';
    {
      await using app = await startApp({ cwd: project.dir, config: configOf(project.dir) });
      runId = app.runId;
      expect(app.workers().map((w) => w.id)).toEqual(['r1w1', 'r2w1', 'r1w2', 'r2w2']);
      const alice = app.session('alice');
      const first = await alice.say('My cat is called Miso.', { on: 'r1w1' });
      expect(first.reply).toBe('ack alice#1; saw none');
      // The turn remembers where the test said it (failure messages point there).
      const line = (await readFile(import.meta.filename, 'utf8'))
        .split('\n')
        .indexOf("      const first = await alice.say('My cat is called Miso.', { on: 'r1w1' });");
      expect(first.at).toEqual({ file: import.meta.filename, line: line + 1, column: 33 });
      // Spread routing: never the worker that served the session's previous turn.
      const other = await alice.say('What is my cat called?');
      expect(other.worker).not.toBe('r1w1');
      expect(other.reason).toBe('spread: not r1w1, which served alice last');
      expect(other).not.toRecall('Miso');
      expect(await alice.say('And what is my cat called?', { on: 'r1w1' })).toRecall('Miso');
      const restart = await app.restart('r1');
      expect(restart.changes.map((c) => c.id)).toEqual(['r1w1', 'r1w2']);
      const after = await alice.say('Do you still know my cat?');
      expect(after.worker).toBe('r1w1');
      expect(after.after).toEqual(['restart r1 (grace 2000 ms)']);
      expect(after).not.toRecall('Miso');
      expect(() => expect(after).toRecall('Miso')).toThrow(/forgot "Miso": said in alice#1 on r1w1/);
      expect(app).not.toHaveLeaked();
      expect(alice.turns().map((t) => t.label)).toEqual(['alice#1', 'alice#2', 'alice#3', 'alice#4']);
    }
    expect(leftovers(runId)).toEqual([]);
  });

  it('state on the local disk survives a crash, not a redeploy; scale changes the topology', {
    timeout: 60_000,
  }, async () => {
    await using project = await basicProject('disk', {});
    await using app = await startApp({
      cwd: project.dir,
      topology: { replicas: 2, workers: 1 },
    });
    const bob = app.session('bob');
    await bob.say('My secret word is pineapple.', { on: 'r1w1' });
    const crash = await app.crash('r1w1');
    expect(crash.description).toBe('crash r1w1 (SIGKILL, respawn on the same disk)');
    const afterCrash = await bob.say('What is my secret word?');
    expect(afterCrash.worker).toBe('r1w1');
    expect(afterCrash.incarnation).toBe(2);
    expect(afterCrash).toRecall('pineapple');
    await app.redeploy('r1', { strategy: 'at-once' });
    const afterRedeploy = await bob.say('Tell me my secret word.');
    expect(afterRedeploy.generation).toBe(2);
    expect(afterRedeploy).not.toRecall('pineapple');
    await app.scale({ replicas: 1 });
    expect(app.topology).toEqual({ replicas: 1, workers: 1 });
    expect(app.workers().map((w) => w.id)).toEqual(['r1w1']);
    expect(app.steps().map((s) => (s.kind === 'turn' ? s.label : s.type))).toEqual([
      'bob#1',
      'crash',
      'bob#2',
      'redeploy',
      'bob#3',
      'scale',
    ]);
  });

  it('a turn without an answer throws TurnFailedError with the output tail; the worker logs are kept', {
    timeout: 60_000,
  }, async () => {
    await using project = await basicProject('global', {}, { env: { SLOW_CHAT_MS: '60000' } });
    const app = await startApp({
      cwd: project.dir,
      topology: { replicas: 1, workers: 1 },
      turnTimeout: 300,
    });
    try {
      const error = await app
        .session('alice')
        .say('Hello there.')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TurnFailedError);
      const failed = error as TurnFailedError;
      expect(failed.code).toBe('AMNESIA_TURN_FAILED');
      expect(failed.turn.failure?.kind).toBe('timeout');
      expect(failed.message).toMatch(
        /^alice#1 → r1w1 pid \d+\n {2}✗ POST \/chat: no answer within 300ms \(chat\.timeout\)/,
      );
      expect(failed.message).toMatch(/r1w1 output \(last \d+ lines\):\n {4}│ .*listening on/);
      const logs = /worker logs: (\S+)$/.exec(failed.message)?.[1] ?? '';
      await app.stop();
      expect(existsSync(path.resolve(logs, 'r1w1.1.log'))).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('routes with the strategy asked for, scripts LLM replies, refuses workers that do not exist and calls after stop', {
    timeout: 60_000,
  }, async () => {
    await using project = await basicProject('global', {});
    const app = await startApp({
      cwd: project.dir,
      topology: { replicas: 1, workers: 2 },
      routing: 'sticky',
    });
    const alice = app.session('alice');
    const first = await alice.say('Hello, I am Alice.');
    const second = await alice.say('It is me again.', { llmReply: 'Welcome back.' });
    expect([second.worker, second.reason]).toEqual([first.worker, `sticky: alice stays on ${first.worker}`]);
    expect(second.reply).toBe('Welcome back.');
    // A scripted answer (`llm`, as in a scenario): the basic app runs no tools, so a final text only.
    expect((await alice.say('And now?', { llm: [{ text: 'Scripted.' }] })).reply).toBe('Scripted.');
    await expect(alice.say('Hi there.', { on: 'r2w1' })).rejects.toThrow(
      new InvalidArgumentError('alice.say(…, { on }): r2w1 does not exist in this 1 × 2 topology'),
    );
    await expect(app.restart('x1' as 'all')).rejects.toThrow(
      `restart: "x1" is not a target; use 'all', a replica like 'r2' or a worker like 'r2w1'`,
    );
    await expect(app.scale({ workers: 17 })).rejects.toThrow(
      'app.scale(): 1 × 17 is not a topology amnesia runs: 1–16 replicas, 1–16 workers, at most 64 processes',
    );
    await app.stop();
    await expect(alice.say('Still there?')).rejects.toThrow(
      'alice.say(): the app was stopped (the test ended, or app.stop() ran)',
    );
    expect(leftovers(app.runId)).toEqual([]);
  });

  it('stops everything when a test times out in the middle of a turn, or while booting, without await using', {
    timeout: 120_000,
  }, async () => {
    const mark = `mark-${process.pid}-${Date.now()}`;
    const entry = path.join(REPO, 'src/vitest/index.ts');
    const marked = path.join(REPO, 'test/vitest/marked.ts');
    await using project = await basicProject(
      'global',
      {
        'hangs.vitest.ts': `import { test } from 'vitest';
import { startApp } from '${entry}';
import { markedProcesses } from '${marked}';
test('hangs', { timeout: 5_000 }, async ({ annotate }) => {
  const app = await startApp({ cwd: import.meta.dirname, topology: { replicas: 1, workers: 1 } });
  await annotate(app.runId);
  await app.session('alice').say('My cat is called Miso.');
});
test('hangs while booting', { timeout: 3_000 }, async () => {
  await startApp({ cwd: import.meta.dirname, config: 'boots-forever.yaml', topology: { replicas: 1, workers: 2 } });
});
test('next', async ({ annotate }) => {
  await annotate(JSON.stringify(markedProcesses(${JSON.stringify(mark)})));
});
`,
        'boots-forever.yaml': `app:
  command: node server.ts
  cwd: ${BASIC_APP}
  env: { MEMORY_MODE: global, HANG_BOOT: "1", SPAWN_CHILD: "1", AMNESIA_TEST_MARK: ${mark} }
  ready: { log: listening on }
`,
      },
      { env: { SLOW_CHAT_MS: '600000', SPAWN_CHILD: '1', AMNESIA_TEST_MARK: mark } },
    );
    const run = await runVitest(project.dir);
    expect(run.tests.map((t) => [t.fullName, t.state])).toEqual([
      ['hangs', 'failed'],
      ['hangs while booting', 'failed'],
      ['next', 'passed'],
    ]);
    expect(run.tests[0]?.errors[0]?.message).toMatch(/^Test timed out in 5000ms/);
    expect(run.tests[1]?.errors[0]?.message).toMatch(/^Test timed out in 3000ms/);
    // The app had booted (the run id was annotated after startApp) and the turn was in flight.
    const [runId = ''] = run.tests[0]?.annotations ?? [];
    expect(runId).toMatch(/^\d{8}-[0-9a-f]{6}$/);
    expect(run.tests[2]?.annotations).toEqual(['[]']);
    expect(leftovers(runId)).toEqual([]);
  });
});
