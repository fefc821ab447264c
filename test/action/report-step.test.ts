// The Action's reporting half, end to end in this process with a runner's environment, on merged
// shard reports (no app to boot): the PR comment, annotations, summary and outputs, and what
// happens when GitHub refuses, the PR comes from a fork, or the input is bad.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../../action/main.ts';
import { type RunResult, readCommentRecord, renderJson } from '../../src/index.ts';
import { tempFiles } from '../helpers/files.ts';
import { CWD, erroring, failing, passing, run } from '../support/report-fixtures.ts';
import { GitHubApiStandIn } from './github-api.ts';
import { HEAD_SHA, runStep } from './runner.ts';

let api: GitHubApiStandIn;
let project: AsyncDisposable & { dir: string };

/** A shard's JSON report as the shard's job wrote it, in this test's checkout. */
async function writeShard(dir: string, result: RunResult): Promise<void> {
  const text = renderJson(result).replaceAll(`${CWD}/`, `${project.dir}/`);
  await mkdir(path.join(project.dir, dir), { recursive: true });
  await writeFile(path.join(project.dir, dir, 'amnesia.json'), text);
}

const shard = (index: number, scenarios: RunResult['scenarios']): RunResult => ({
  ...run,
  runId: `run-${index}`,
  exitCode: 0,
  scenarios,
  shard: { index, total: 2 },
});

const MERGE = {
  mode: 'merge',
  reports: 'reports/*/amnesia.json',
  'github-token': 'ghs_standInToken0123456789',
};
const step = (inputs: Record<string, string> = {}, o: Partial<Parameters<typeof runStep>[0]> = {}) =>
  runStep({ workspace: project.dir, apiUrl: api.url, inputs: { ...MERGE, ...inputs }, ...o });

beforeAll(async () => {
  api = await GitHubApiStandIn.start();
  project = await tempFiles({});
  await writeShard('reports/shard-1', shard(1, [failing]));
  await writeShard('reports/shard-2', shard(2, [passing, erroring]));
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
  await project[Symbol.asyncDispose]();
});
beforeEach(() => api.reset());

describe('mode: merge', () => {
  it('reports the shards as one run: one summary, one comment, one set of annotations, the outputs', async () => {
    const r = await step();
    expect(r.summary).toContain('**Error** · 3 scenarios: 1 passed, 1 failed, 1 error');
    expect(r.summary).toContain('<summary><strong>two sessions stay apart</strong>: failed</summary>');
    expect(r.summary).toContain('```mermaid');

    expect(api.comments).toHaveLength(1);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/acme/chat/issues/7/comments',
      'POST /repos/acme/chat/issues/7/comments',
    ]);
    expect(api.calls[0]?.authorization).toBe('token ghs_standInToken0123456789');
    const body = api.comments[0]?.body ?? '';
    expect(body).toContain(`commit \`${HEAD_SHA.slice(0, 7)}\``);
    expect(body).toContain('[full report](https://github.com/acme/chat/actions/runs/4242)');
    expect(readCommentRecord(body)).toMatchObject({ key: 'amnesia.config.yaml', commit: HEAD_SHA });

    const placed = r.annotations.filter((a) => a.command === 'error' && a.properties.file);
    expect(
      placed.map(
        (a) => `${a.properties.file}:${a.properties.line}:${a.properties.col} ${a.properties.title}`,
      ),
    ).toEqual([
      'scenarios/rolling-redeploy.yaml:1:1 amnesia: could not run (survives a rolling redeploy)',
      'scenarios/two-sessions.yaml:13:22 amnesia: recall "pineapple" (two sessions stay apart)',
      'scenarios/two-sessions.yaml:16:22 amnesia: recall "tangerine" (two sessions stay apart)',
    ]);

    expect(r.outputs).toMatchObject({
      passed: '1',
      failed: '1',
      errors: '1',
      'exit-code': '2',
      'json-report': path.join(project.dir, '.amnesia/artifacts/amnesia.json'),
      'junit-report': path.join(project.dir, '.amnesia/artifacts/amnesia.junit.xml'),
      'diagnosis-row': '2',
      signature: 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗',
      advice: "state lives in one process's RAM: move it to a shared store",
      'comment-url': api.comments[0]?.html_url,
    });
    expect(existsSync(r.outputs['junit-report'] ?? '')).toBe(true);
    expect(r.failed?.message).toBe('amnesia: 1 failed, 1 errors of 3 scenarios');
  });

  it('refuses to merge when a shard is missing, and says so in the summary', async () => {
    await writeShard('lone', { ...shard(1, []), shard: { index: 1, total: 3 } });
    const r = await step({ reports: 'lone/amnesia.json' });
    expect(r.failed?.message).toMatch(/^amnesia: cannot merge the reports: shard 2\/3, 3\/3 are missing/);
    expect(r.summary).toContain('**Could not run**');
    expect(r.outputs['exit-code']).toBe('2');
    expect(api.calls).toEqual([]);
  });
});

describe('the PR comment', () => {
  it('finds its own comment among others (past the first page) and updates it in place', async () => {
    for (let i = 0; i < 120; i++) api.addComment(`review note ${i}`);
    api.addComment(
      '<!-- amnesia-report {"v":1,"key":"other/amnesia.config.yaml","statuses":{}} -->',
      'github-actions[bot]',
    );
    const first = await step();
    const ours = api.comments.at(-1);
    expect(first.outputs['comment-url']).toBe(ours?.html_url);
    const second = await step();
    expect(api.comments).toHaveLength(122);
    expect(api.calls.filter((c) => c.route === 'create')).toHaveLength(1);
    expect(api.calls.filter((c) => c.route === 'update')).toHaveLength(1);
    expect(second.outputs['comment-url']).toBe(ours?.html_url);
    expect(api.comments[120]?.body).toContain('other/amnesia.config.yaml'); // another suite's comment, untouched
    expect(ours?.body).toContain('**Since the last run**');
  });

  it('skips the comment on a fork PR with a notice, and keeps the summary, annotations and verdict', async () => {
    const r = await step({}, { trigger: 'fork' });
    expect(api.calls).toEqual([]);
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ command: 'notice', message: expect.stringContaining('comes from a fork') }),
    );
    expect(r.summary).toContain('**Error** · 3 scenarios');
    expect(r.annotations.filter((a) => a.properties.file)).toHaveLength(3);
    expect(r.outputs['comment-url']).toBe('');
    expect(r.failed?.message).toBe('amnesia: 1 failed, 1 errors of 3 scenarios');
  });

  it('writes no comment when asked not to (comment: false)', async () => {
    const r = await step({ comment: 'false' });
    expect(api.calls).toEqual([]);
    expect(r.annotations.filter((a) => a.command === 'notice' || a.command === 'warning')).toEqual([]);
    expect(r.summary).toContain('3 scenarios');
  });

  it('writes no comment for a push', async () => {
    const r = await step({}, { trigger: 'push' });
    expect(api.calls).toEqual([]);
    expect(r.log).toContain('not a pull request event');
    expect(r.summary).toContain('3 scenarios');
  });

  it.each([
    [
      'list',
      403,
      {},
      /the token may not write comments \(403\): give the job `permissions: pull-requests: write`/,
    ],
    ['list', 403, { 'x-ratelimit-remaining': '0' }, /rate limit was reached \(403\)/],
    ['list', 429, {}, /rate limit was reached \(429\)/],
    ['create', 500, {}, /GitHub answered 500/],
    ['list', 404, {}, /not found \(404\)/],
  ] as const)(
    'turns a %s answered %i into a warning; the summary, outputs and verdict stay',
    async (route, status, headers, warning) => {
      api.fail(route, status, headers);
      const r = await step();
      const warnings = r.annotations.filter((a) => a.command === 'warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/^amnesia: could not comment on #7: /);
      expect(warnings[0]?.message).toMatch(warning);
      expect(r.summary).toContain('**Error** · 3 scenarios');
      expect(r.outputs['exit-code']).toBe('2');
      expect(r.outputs['comment-url']).toBe('');
      expect(r.failed?.message).toBe('amnesia: 1 failed, 1 errors of 3 scenarios');
    },
  );

  it('never fails a step that only reports (fail-on: never), even when GitHub answers 500', async () => {
    api.fail('list', 500);
    const r = await step({ 'fail-on': 'never' });
    expect(r.failed).toBeUndefined();
    expect(r.log).toContain('fail-on: never, so the step passes');
    expect(r.annotations.filter((a) => a.command === 'warning')).toHaveLength(1);
  });

  it('takes the token out of the environment the app under test inherits', async () => {
    let seen: string | undefined = 'not called';
    await step(
      {},
      {
        getOctokit: (token, options) => {
          seen = process.env['INPUT_GITHUB-TOKEN'];
          return github.getOctokit(token, options);
        },
      },
    );
    expect(seen).toBeUndefined();
    expect(api.comments).toHaveLength(1);
  });
});

describe('bad input and failures of any kind', () => {
  it('fails naming the input, its value and what fits', async () => {
    const r = await step({ mode: 'rerun' });
    expect(r.failed?.message).toBe('amnesia: input "mode" "rerun": expected one of run, merge, probe');
    const workers = await step({ mode: 'run', workers: '0' });
    expect(workers.failed?.message).toBe(
      'amnesia: input "workers" "0": expected a whole number from 1 to 16',
    );
  });

  it('annotates an invalid scenario at its file and line before starting anything', async () => {
    await using bad = await tempFiles({
      'amnesia.config.yaml': 'app:\n  command: node server.js\n',
      'scenarios/bad.yaml': 'name: x\nsteps:\n  - crash: r9\n  - user: hello\n',
    });
    const r = await runStep({
      workspace: bad.dir,
      apiUrl: api.url,
      inputs: { 'github-token': 't0123456789' },
    });
    expect(r.annotations).toContainEqual(
      expect.objectContaining({
        command: 'error',
        properties: { title: 'amnesia: invalid input', file: 'scenarios/bad.yaml', line: '3', col: '5' },
        message: expect.stringMatching(/^steps\[0\]\.crash: `r9` does not exist/),
      }),
    );
    expect(r.failed?.message).toMatch(/^amnesia: 1 problem in 1 file/);
    expect(r.outputs['exit-code']).toBe('2');
  });

  it('fails with the message when something that is not an Error is thrown', async () => {
    const throwing: ActionDeps['core'] = {
      ...core,
      getInput: (name: string) => {
        if (name === 'mode') throw 'a string, not an Error';
        return core.getInput(name);
      },
    };
    const r = await step({}, { core: throwing });
    expect(r.failed?.message).toBe('amnesia: internal error (please report it): a string, not an Error');
    expect(r.summary).toContain('a string, not an Error');
  });
});
