import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DisruptionStepRecord, RunResult, TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { type BasicMode, basicProject, leftovers } from '../helpers/basic-app.ts';

const turns = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');
const disruptions = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is DisruptionStepRecord => s.kind === 'disruption');

async function runScenario(
  mode: BasicMode,
  scenario: string,
  o: { env?: Record<string, string>; probe?: 'never' | 'on-failure' } = {},
): Promise<RunResult> {
  await using project = await basicProject(mode, { 'scenarios/s.yaml': scenario }, { env: o.env ?? {} });
  const result = await run({
    cwd: project.dir,
    artifactsDir: path.join(project.dir, 'artifacts'),
    probe: o.probe ?? 'never',
  });
  expect(leftovers(result.runId)).toEqual([]);
  return result;
}

const TOGETHER = `name: two turns at once
steps:
  - user: My name is Ada Lovelace.
  - together:
      - user: My cat is called Miso.
      - user: My dog is called Rex.
  - user: What are my pets called?
    expect: { recall: [Miso, Rex] }
`;

describe.concurrent('together: turns of one session answered at once', () => {
  it('an app that writes the whole history back loses one of them: a lost update, row 9', {
    timeout: 180_000,
  }, async () => {
    const result = await runScenario('overwrite', TOGETHER, { probe: 'on-failure' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const t = turns(result);
    expect(t.map((x) => `${x.label} ${x.worker}`)).toEqual([
      'main#1 r1w1',
      'main#2 r2w1',
      'main#3 r1w2',
      'main#4 r2w2',
    ]);
    expect(t[1]?.together).toEqual([{ label: 'main#3', worker: 'r1w2' }]);
    // Exact attribution: each turn's one chat request came from its own worker and carries its message.
    for (const x of t) {
      expect(x.llm.map((r) => r.worker)).toEqual([x.worker]);
      expect(x.llm[0]?.messages.at(-1)?.content).toBe(x.user);
    }
    // Both were held until both had read the store: neither prompt carries the other's message.
    expect(JSON.stringify(t[1]?.llm)).not.toContain('Rex');
    expect(JSON.stringify(t[2]?.llm)).not.toContain('Miso');
    const recalls = t[3]?.expectations.filter((e) => e.kind === 'recall') ?? [];
    expect(recalls.filter((e) => e.passed)).toHaveLength(1);
    expect(recalls.find((e) => !e.passed)).toMatchObject({
      cause: 'lost-update',
      message: expect.stringMatching(
        /^lost update: main#2 and main#3 were answered at once on r2w1 and r1w2; main#[23]'s message is missing from every later prompt$/,
      ),
    });
    expect(s?.diagnosis?.signature).toBe('SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗');
    expect(s?.diagnosis?.rows.map((r) => r.id)).toEqual(['9']);
    // The failed turn's own explanation: it asked for a fact said at once, which CC lost too.
    expect(s?.explanations?.map((e) => e.rows)).toEqual([['9']]);
    expect(s?.explanations?.[0]?.crossing).toContain('CC');
  });

  it('an app that appends each turn keeps both', { timeout: 120_000 }, async () => {
    const result = await runScenario('postgres', TOGETHER);
    expect(result.scenarios[0]?.status).toBe('passed');
  });
});

const DURING = `name: a turn in flight during a restart
steps:
  - user: My name is Ada Lovelace.
  - restart: r2w1
    during:
      - user: I am building the Analytical Engine.
  - user: What am I building?
    expect: { recall: [Analytical Engine] }
  - redeploy: r1
    during:
      - { user: I was born in London., on: r1w2 }
      - { user: I like tea., session: bob }
  - user: Where was I born?
    expect: { recall: [London] }
`;

describe.concurrent('during: turns in flight when a disruption starts', () => {
  it('an app that drains on SIGTERM answers and remembers them', { timeout: 120_000 }, async () => {
    const result = await runScenario('postgres', DURING);
    const s = result.scenarios[0];
    expect(s?.status).toBe('passed');
    const t = turns(result);
    const [restart, redeploy] = disruptions(result);
    // The turn in flight was served by the process the restart stopped, which drained and exited on its own.
    expect(t[1]).toMatchObject({ label: 'main#2', worker: 'r2w1', during: ['restart r2w1'], status: 200 });
    expect(restart?.changes[0]).toMatchObject({
      id: 'r2w1',
      before: { pid: t[1]?.pid, forced: false, exit: { code: 0 } },
    });
    // The next turn of the session goes to the restarted worker, a new process.
    expect(t[2]).toMatchObject({ label: 'main#3', worker: 'r2w1' });
    expect(t[2]?.pid).not.toBe(t[1]?.pid);
    // The redeploy's turns: one on a replaced worker, one on a worker it does not stop.
    expect(t.slice(3, 5).map((x) => `${x.label} ${x.worker} ${x.during}`)).toEqual([
      'main#4 r1w2 redeploy r1 (rolling)',
      'bob#1 r1w1 redeploy r1 (rolling)',
    ]);
    expect(redeploy?.changes.find((c) => c.id === 'r1w2')?.before?.pid).toBe(t[3]?.pid);
    // The turns are recorded before the disruption they began before.
    expect(s?.steps.map((x) => (x.kind === 'turn' ? x.label : x.type))).toEqual([
      'main#1',
      'main#2',
      'restart',
      'main#3',
      'main#4',
      'bob#1',
      'redeploy',
      'main#5',
    ]);
  });

  it('an app that exits at once on SIGTERM drops the turn: the request failed, row 10', {
    timeout: 180_000,
  }, async () => {
    const result = await runScenario('postgres', DURING, {
      env: { ON_SIGTERM: 'exit' },
      probe: 'on-failure',
    });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const [, inFlight, after] = turns(result);
    expect(inFlight?.failure?.kind).toBe('connection');
    expect(inFlight?.expectations[0]).toMatchObject({
      kind: 'answered',
      passed: false,
      cause: 'lost-in-flight',
      message: expect.stringMatching(
        /^the request failed while restart r2w1 was under way: the app dropped a turn in flight when it was stopped \(POST \/chat/,
      ),
    });
    expect(after?.expectations[0]).toMatchObject({
      kind: 'recall',
      passed: false,
      cause: 'lost-in-flight',
      message:
        'said in main#2, whose request failed while restart r2w1 was under way: the app dropped the turn',
    });
    // No rung has a turn in flight: the probe does not reproduce it, the failed turns name row 10.
    expect(s?.diagnosis?.signature).toBe('SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓');
    expect(s?.diagnosis?.reproduced).toBe(false);
    // The restart's turn and the redeploy's two are dropped; the follow-ups miss what they said.
    expect(s?.explanations?.map((e) => [e.label, e.rows])).toEqual([
      ['main#2', ['10']],
      ['main#3', ['10']],
      ['main#4', ['10']],
      ['bob#1', ['10']],
      ['main#5', ['10']],
    ]);
  });

  it('a turn answered in flight and then forgotten is always a failure: answered but not remembered', {
    timeout: 120_000,
  }, async () => {
    const inRam = `name: answered, then forgotten
steps:
  - user: My name is Ada Lovelace.
  - restart: r2w1
    during:
      - user: I am building the Analytical Engine.
        expect: { error: allowed }
  - user: What am I building?
    expect: { recall: [Analytical Engine] }
`;
    // Memory in one process's RAM: the worker drains (it answers), then its restart loses what it held.
    const result = await runScenario('global', inRam);
    expect(result.scenarios[0]?.status).toBe('failed');
    const [, inFlight, after] = turns(result);
    expect(inFlight?.failure).toBeUndefined();
    expect(after?.expectations[0]).toMatchObject({
      kind: 'recall',
      passed: false,
      cause: 'lost-in-flight',
      message:
        'answered but not remembered: main#2 was answered on r2w1 while restart r2w1 was under way; its message is missing from every later prompt',
    });
  });

  it('a scenario that allows the failure owes nothing for the dropped turn', {
    timeout: 120_000,
  }, async () => {
    const allowed = `name: a failed request is acceptable
steps:
  - user: My name is Ada Lovelace.
  - restart: r2w1
    during:
      - user: I am building the Analytical Engine.
        expect: { error: allowed }
  - user: What am I building?
    expect: { recall: [Analytical Engine] }
`;
    const result = await runScenario('postgres', allowed, { env: { ON_SIGTERM: 'exit' } });
    expect(result.scenarios[0]?.status).toBe('passed');
    const [, inFlight, after] = turns(result);
    expect(inFlight?.expectations[0]?.message).toMatch(
      /^the request failed while restart r2w1 was under way, which this turn allows: /,
    );
    expect(after?.expectations[0]?.message).toMatch(/^not owed: said only in main#2/);
  });
});
