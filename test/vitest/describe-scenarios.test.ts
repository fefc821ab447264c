import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicProject, leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { runVitest } from './run-vitest.ts';

const ENTRY = path.join(REPO, 'src/vitest/index.ts');
const MARKED = path.join(REPO, 'test/vitest/marked.ts');
/** Put in the app's env: its processes are found by it. */
const MARK = `mark-${process.pid}-${Date.now()}`;

const CROSS_WORKER = `name: cross-worker follow-up
steps:
  - user: I live in Lisbon and my cat is called Miso.
    on: r1w1
  - user: What is my cat called?
    on: r1w2
    expect:
      recall: [Miso]
`;

const OTHER_REPLICA = `name: other replica
steps:
  - user: My cat is called Miso.
    on: r1w1
  - user: What is my cat called?
    on: r2w1
    expect:
      recall: [Miso]
`;

const SAME_WORKER = `name: same worker
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - user: What is my cat called?
    expect:
      recall: [Miso]
`;

/** A test file of the fixture project: amnesia/vitest from this repository's sources. */
const testFile = (body: string) => `import { describeScenarios } from '${ENTRY}';\n${body}\n`;

describe('describeScenarios', () => {
  it('gives a describe per file and a test per scenario; a failure carries the CLI evidence and the YAML line', {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/cross-worker.yaml': CROSS_WORKER,
      'scenarios/other-replica.yaml': OTHER_REPLICA,
      'scenarios/same-worker.yaml': SAME_WORKER,
      'scenarios.vitest.ts': testFile(`describeScenarios('scenarios', { cwd: import.meta.dirname });`),
    });
    const run = await runVitest(project.dir);
    expect(run.moduleErrors).toEqual([]);
    expect(run.tests.map((t) => [t.fullName, t.state])).toEqual([
      ['scenarios/cross-worker.yaml > cross-worker follow-up', 'failed'],
      ['scenarios/other-replica.yaml > other replica', 'failed'],
      ['scenarios/same-worker.yaml > same worker', 'passed'],
    ]);
    // One run for the file: one mock LLM, one process registry, one probe ladder per topology shape.
    const runs = await readdir(path.join(project.dir, '.amnesia/runs'));
    expect(runs).toHaveLength(1);
    expect((await readdir(path.join(project.dir, '.amnesia/runs', runs[0] ?? ''))).sort()).toEqual([
      'cross-worker-follow-up',
      'other-replica',
      'probe-ladder-2x2', // one ladder diagnosed both failures
    ]);
    const error = run.tests[0]?.errors[0];
    expect(error?.message).toMatch(/^✗ cross-worker follow-up {2}scenarios\/cross-worker\.yaml:8:16\n/);
    expect(error?.message).toMatch(/\n {2}main#2 → r1w2 pid \d+\n/);
    expect(error?.message).toContain(
      '✗ forgot "Miso": said in main#1 on r1w1, missing from what the app sent the LLM  scenarios/cross-worker.yaml:8:16',
    );
    expect(error?.message).toContain(
      'prompt (chat request, 2 messages):\n      system: You are a helpful assistant.',
    );
    expect(error?.message).toContain('probe (2 × 2)  SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗');
    expect(error?.message).toMatch(/why {8}main#2: .*: row 2/);
    expect(error?.message).toContain("→ row 2: state lives in one process's RAM: move it to a shared store");
    expect(error?.message).toMatch(/replay {5}npx amnesia run scenarios\/cross-worker\.yaml --seed \d+/);
    // The stack points at the recall in the YAML, which vitest prints (and editors and CI link).
    expect(error?.stack).toContain(`at ${path.join(project.dir, 'scenarios/cross-worker.yaml')}:8:16`);
    expect(run.output).toMatch(/❯ scenarios\/cross-worker\.yaml:8:16/);
  });

  it('-t selects scenarios by name, .only runs only its scenarios, .skip none, concurrent reaches vitest', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/cross-worker.yaml': CROSS_WORKER,
      'scenarios/same-worker.yaml': SAME_WORKER,
      'filtered.vitest.ts': testFile(
        `describeScenarios('scenarios', { cwd: import.meta.dirname, concurrent: true });`,
      ),
      'skip.vitest.ts': testFile(
        `describeScenarios.skip('scenarios/same-worker.yaml', { cwd: import.meta.dirname });`,
      ),
      'only.vitest.ts': testFile(
        `import { test } from 'vitest';\ntest('another test', () => {});\ndescribeScenarios.only('scenarios/same-worker.yaml', { cwd: import.meta.dirname });`,
      ),
    });
    const filtered = await runVitest(project.dir, {
      testNamePattern: '^scenarios/same-worker\\.yaml > same worker$',
      include: ['filtered.vitest.ts'],
    });
    expect(filtered.tests.map((t) => [t.fullName, t.state])).toEqual([
      ['scenarios/cross-worker.yaml > cross-worker follow-up', 'skipped'],
      ['scenarios/same-worker.yaml > same worker', 'passed'],
    ]);
    expect(filtered.tests.map((t) => t.concurrent)).toEqual([true, true]);
    const only = await runVitest(project.dir, {
      include: ['only.vitest.ts', 'skip.vitest.ts'],
      // vitest refuses .only when CI is set (as .ci/run sets it); a user's own run allows it.
      allowOnly: true,
    });
    expect(only.tests.map((t) => [t.fullName, t.state]).sort()).toEqual([
      ['another test', 'skipped'],
      ['scenarios/same-worker.yaml > same worker', 'passed'], // only.vitest.ts
      ['scenarios/same-worker.yaml > same worker', 'skipped'], // skip.vitest.ts
    ]);
    expect(only.tests.map((t) => t.concurrent)).toEqual([false, false, false]);
  });

  it('an invalid scenario file fails its describe with file:line; a glob that matches nothing fails the file', async () => {
    await using project = await basicProject('global', {
      'scenarios/bad.yaml': 'name: bad\nsteps:\n  - crash: r9\n',
      'bad.vitest.ts': testFile(`describeScenarios('scenarios', { cwd: import.meta.dirname });`),
      'none.vitest.ts': testFile(`describeScenarios('nothing/*.yaml', { cwd: import.meta.dirname });`),
    });
    const run = await runVitest(project.dir);
    expect(run.tests).toEqual([]);
    expect(run.moduleErrors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/scenarios\/bad\.yaml:3:5 steps\[0\]\.crash: `r9` does not exist/),
        expect.stringMatching(/nothing\/\*\.yaml:1:1 the glob matches no files/),
      ]),
    );
  });

  it('a test timeout in the middle of a turn stops every process the scenario started before the next test', {
    timeout: 120_000,
  }, async () => {
    const hangs = `name: hangs\ntopology: { replicas: 1, workers: 1 }\nsteps:\n  - user: My cat is called Miso.\n`;
    await using project = await basicProject(
      'global',
      {
        'scenarios/hangs.yaml': hangs,
        'hangs.vitest.ts': testFile(
          `import { test } from 'vitest';\nimport { markedProcesses } from '${MARKED}';\n` +
            `describeScenarios('scenarios', { cwd: import.meta.dirname, timeout: 5_000 });\n` +
            `test('next', async ({ annotate }) => { await annotate(JSON.stringify(markedProcesses(${JSON.stringify(MARK)}))); });`,
        ),
      },
      // The app answers after 10 minutes, and leaves a grandchild in its process group.
      { env: { SLOW_CHAT_MS: '600000', SPAWN_CHILD: '1', AMNESIA_TEST_MARK: MARK } },
    );
    const run = await runVitest(project.dir);
    expect(run.tests.map((t) => [t.fullName, t.state])).toEqual([
      ['scenarios/hangs.yaml > hangs', 'failed'],
      ['next', 'passed'],
    ]);
    expect(run.tests[0]?.errors[0]?.message).toMatch(/^Test timed out in 5000ms/);
    // Nothing of the scenario was alive when the next test ran.
    expect(run.tests[1]?.annotations).toEqual(['[]']);
    const [runId = ''] = await readdir(path.join(project.dir, '.amnesia/runs'));
    // The worker had booted and taken the turn: the timeout hit during the turn, not the boot.
    const log = await readFile(
      path.join(project.dir, '.amnesia/runs', runId, 'hangs/logs/r1w1.1.log'),
      'utf8',
    );
    expect(log).toMatch(/listening on \d+/);
    expect(leftovers(runId)).toEqual([]);
  });
});
