import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortedError, run, type TurnRecord } from '../../src/index.ts';
import { totalsText } from '../../src/report/evidence.ts';
import { basicProject } from '../helpers/basic-app.ts';

const scenario = (name: string, tag: string, recall = 'Ada') => `name: ${name}
tags: [${tag}]
steps:
  - user: My name is ${recall}.
    on: r1w1
  - user: What is my name?
    on: r1w2
    expect: { recall: [${recall}] }
`;

describe('run options', () => {
  it('--tags selects scenarios, --concurrency runs them at once on their own topologies', async () => {
    await using project = await basicProject('postgres', {
      'scenarios/a.yaml': scenario('a', 'fast'),
      'scenarios/b.yaml': scenario('b', 'fast', 'Grace'),
      'scenarios/c.yaml': scenario('c', 'slow'),
    });
    const result = await run({ cwd: project.dir, tags: ['fast'], concurrency: 2 });
    expect(result.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['a', 'passed'],
      ['b', 'passed'],
    ]);
    const pids = result.scenarios.map((s) => (s.steps[0] as TurnRecord).pid);
    expect(new Set(pids).size).toBe(2);
    // The two ran at once: each started before the other ended.
    const [a, b] = result.scenarios;
    expect(
      a && b && a.startedAt < b.startedAt + b.durationMs && b.startedAt < a.startedAt + a.durationMs,
    ).toBe(true);
  });

  it('a run where nothing failed leaves no empty .amnesia/runs/<id>/; a failed scenario keeps its artifacts', async () => {
    const same =
      'name: same\nsteps:\n  - { user: My name is Ada., on: r1w1 }\n  - { user: What is my name?, on: r1w1, expect: { recall: [Ada] } }\n';
    const other =
      'name: other\nsteps:\n  - { user: My name is Ada., on: r1w1 }\n  - { user: What is my name?, on: r1w2, expect: { recall: [Ada] } }\n';
    await using project = await basicProject('global', {
      'scenarios/same.yaml': same,
      'scenarios/other.yaml': other,
    });
    const passed = await run({ cwd: project.dir, patterns: ['scenarios/same.yaml'], probe: 'never' });
    expect(passed.exitCode).toBe(0);
    expect(existsSync(path.join(project.dir, '.amnesia'))).toBe(false);
    const failed = await run({ cwd: project.dir, probe: 'never' });
    expect(failed.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['other', 'failed'],
      ['same', 'passed'],
    ]);
    expect(readdirSync(path.join(project.dir, '.amnesia', 'runs', failed.runId))).toEqual(['other']);
  });

  it('--bail stops starting scenarios after the first that does not pass', async () => {
    await using project = await basicProject('global', {
      'scenarios/a.yaml': scenario('a', 'x'),
      'scenarios/b.yaml': scenario('b', 'x', 'Grace'),
    });
    const result = await run({ cwd: project.dir, bail: true, probe: 'never' });
    expect(result.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
    ]);
    expect(result.scenarios[0]?.diagnosis).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.skipped).toBe('--bail: the run stopped starting scenarios after "a" failed');
    expect(totalsText(result)).toBe(
      '2 scenarios: 0 passed, 1 failed, 0 errors, 1 skipped (--bail: the run stopped starting scenarios after "a" failed)',
    );
  });

  // Cancelled as the first scenario ended (its processes being stopped): the lanes once returned
  // as if done, and the run passed with the rest skipped.
  it('a run cancelled between two scenarios rejects with AbortedError saying how far it got', async () => {
    await using project = await basicProject('global', {
      'scenarios/a.yaml': scenario('a', 'x'),
      'scenarios/b.yaml': scenario('b', 'x', 'Grace'),
    });
    const cancel = new AbortController();
    const running = run({
      cwd: project.dir,
      probe: 'never',
      signal: cancel.signal,
      onEvent: (e) => {
        if (e.type === 'turn' && e.turn.label === 'main#2') cancel.abort();
      },
    });
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).message).toMatch(
      /^the run was cancelled: [01] of 2 scenarios finished \(\d passed, \d failed, 0 errors\); [12] not run$/,
    );
  });

  it('llm.handlers: the project’s own msw handlers answer before the defaults', async () => {
    await using project = await basicProject(
      'global',
      {
        'scenarios/a.yaml':
          'name: a\nsteps:\n  - user: Hello there.\n    expect: { reply: { equals: "scripted by the project" } }\n',
        // The project's own msw (resolved here: the temporary project has no node_modules).
        'llm-handlers.ts': `import { HttpResponse, http } from '${import.meta.resolve('msw')}';
export default [
  http.post('*/chat/completions', () =>
    HttpResponse.json({ choices: [{ index: 0, message: { role: 'assistant', content: 'scripted by the project' }, finish_reason: 'stop' }] }),
  ),
];
`,
      },
      { top: 'llm:\n  handlers: ./llm-handlers.ts\n' },
    );
    const result = await run({ cwd: project.dir });
    const turn = result.scenarios[0]?.steps[0] as TurnRecord;
    expect(turn.reply).toBe('scripted by the project');
    expect(turn.llm.map((r) => [r.kind, r.reply])).toEqual([['chat', 'scripted by the project']]);
    expect(result.exitCode).toBe(0);
  });
});
