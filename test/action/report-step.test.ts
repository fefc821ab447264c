// The Action's reporting half, end to end in this process with a runner's environment, on merged
// shard reports (no app to boot): the PR comment, annotations, summary and outputs, and what
// happens when GitHub refuses, the PR comes from a fork, or the input is bad.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDeps } from '../../action/main.ts';
import { type RunResult, readCommentRecord, renderJson } from '../../src/index.ts';
import { tempFiles } from '../helpers/files.ts';
import { CWD, erroring, failing, leaking, passing, run } from '../support/report-fixtures.ts';
import { GitHubApiStandIn } from './github-api.ts';
import { expectEveryOutput, HEAD_SHA, runStep } from './runner.ts';

let api: GitHubApiStandIn;
let project: AsyncDisposable & { dir: string };

/**
 * A shard's JSON report as the shard's job wrote it: its checkout was `CWD` (`/repo`), not this
 * job's, as when the merge job's workspace differs.
 */
async function writeShard(dir: string, result: RunResult): Promise<void> {
  const text = renderJson(result, { cwd: CWD });
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
      'html-report': path.join(project.dir, '.amnesia/artifacts/amnesia.html'),
      'diagnosis-row': '2',
      signature: 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗',
      advice: "state lives in one process's RAM: move it to a shared store",
      'comment-url': api.comments[0]?.html_url,
    });
    expect(existsSync(r.outputs['junit-report'] ?? '')).toBe(true);
    // The HTML report sits in the artifacts, and the job summary says where to open it.
    expect(readFileSync(r.outputs['html-report'] ?? '', 'utf8')).toContain('<h2 id="s-');
    expect(r.summary).toContain("`amnesia.html` in [this run's artifacts](");
    expect(r.failed?.message).toBe('amnesia: 1 failed, 1 errors of 3 scenarios');
  });

  it('stores paths relative to the checkout: merged where the workspace differs, files, lines and the comment key hold', async () => {
    const json = await readFile(path.join(project.dir, 'reports/shard-1/amnesia.json'), 'utf8');
    expect(json).not.toContain(`${CWD}/`);
    expect(JSON.parse(json).configFile).toBe('amnesia.config.yaml');
    const ours = api.addComment(
      '<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","statuses":{"two sessions stay apart":"failed"}} -->',
      'github-actions[bot]',
    );
    const r = await step();
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update']);
    expect(ours.body).toContain('1 newly failing · 0 fixed · 1 still failing');
    expect(r.annotations.filter((a) => a.properties.file).map((a) => a.properties.file)).toEqual([
      'scenarios/rolling-redeploy.yaml',
      'scenarios/two-sessions.yaml',
      'scenarios/two-sessions.yaml',
    ]);
    // The merged summary's artifact links name the shard whose artifact holds the folder.
    expect(r.summary).toMatch(/Artifacts: `\.amnesia\/runs\/[^`]+` \(in the artifact of shard 1\/2\)/);
  });

  it('refuses to merge when a shard is missing, says so in the summary and on the PR, and sets every output', async () => {
    const ours = api.addComment(
      `### amnesia: passed\n<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","commit":"0ldc0mm1t","statuses":{"two sessions stay apart":"passed"}} -->`,
      'github-actions[bot]',
    );
    await writeShard('lone', { ...shard(1, []), shard: { index: 1, total: 3 } });
    const r = await step({ reports: 'lone/amnesia.json' });
    expect(r.failed?.message).toMatch(/^amnesia: cannot merge the reports: shard 2\/3, 3\/3 are missing/);
    expect(r.summary).toContain('**Could not run**');
    // The PR no longer shows the earlier commit's "passed".
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update']);
    expect(ours.body).toMatch(/^### amnesia: could not run\n/);
    expect(ours.body).toContain(
      `**Not judged** · \`amnesia.config.yaml\` · commit \`${HEAD_SHA.slice(0, 7)}\``,
    );
    expect(ours.body).toContain('shard 2/3, 3/3 are missing');
    expect(ours.body).toContain('The last verdict on this pull request was for commit `0ldc0mm`');
    expect(readCommentRecord(ours.body)?.statuses).toEqual({ 'two sessions stay apart': 'passed' });
    expectEveryOutput(r.outputs);
    expect(r.outputs).toMatchObject({
      'exit-code': '2',
      'artifacts-dir': path.join(project.dir, '.amnesia/artifacts'),
      'comment-url': ours.html_url,
      passed: '',
    });
    expect(readFileSync(path.join(r.outputs['artifacts-dir'] ?? '', 'amnesia-error.txt'), 'utf8')).toContain(
      'shard 2/3, 3/3 are missing',
    );
  });
});

describe('annotations', () => {
  it('shows at most 10 errors with setFailed, the most important first, and the summary says how many more', async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ ...failing, name: `forgets ${i}` }));
    await writeShard('many', { ...run, runId: 'many', exitCode: 1, scenarios: [...many, erroring, leaking] });
    const r = await step({ reports: 'many/amnesia.json', comment: 'false' });
    const errors = r.annotations.filter((a) => a.command === 'error');
    expect(errors).toHaveLength(10);
    expect(errors.at(-1)).toBe(r.failed);
    const titles = errors.slice(0, 9).map((a) => a.properties.title?.replace(/^amnesia: /, ''));
    expect(titles.slice(0, 2)).toEqual([
      expect.stringMatching(/^leak between sessions/),
      'could not run (survives a rolling redeploy)',
    ]);
    // Each scenario's first failure before any scenario's second.
    expect(new Set(titles.slice(2).map((t) => t?.replace(/^.*\((.*)\)$/, '$1'))).size).toBe(7);
    const total =
      1 +
      1 +
      6 * 2 +
      leaking.steps.flatMap((s) => (s.kind === 'turn' ? s.expectations : [])).filter((e) => !e.passed).length;
    expect(r.summary).toContain(
      `${total - 9} more failures are not annotated (GitHub shows 10 error annotations a step)`,
    );
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

  it("never edits or believes a comment someone else wrote, even one quoting amnesia's marker", async () => {
    const planted =
      '> <!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","commit":"feedfacecafe","statuses":{"two sessions stay apart":"passed","survives a rolling redeploy":"failed"}} -->\nWhy does this fail?';
    const reviewer = api.addComment(planted, 'octocat');
    const first = await step();
    expect(reviewer.body).toBe(planted);
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'create']);
    const ours = api.comments.at(-1);
    expect(ours?.user.login).toBe('github-actions[bot]');
    expect(ours?.body).not.toContain('Since the last run'); // the planted record was not its last run
    expect(first.outputs['comment-url']).toBe(ours?.html_url);

    await step();
    expect(reviewer.body).toBe(planted);
    expect(api.comments).toHaveLength(2);
    expect(ours?.body).toContain(
      '**Since the last run** (commit `6dcb09b`): 0 newly failing · 0 fixed · 2 still failing',
    );
  });

  it("asks the API who a personal token is, and updates only that account's comment", async () => {
    api.tokenUser = 'acme-ci';
    const marker = '<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","statuses":{}} -->';
    const bots = api.addComment(marker, 'github-actions[bot]');
    const mine = api.addComment(marker, 'acme-ci');
    await step();
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'update']);
    expect(bots.body).toBe(marker);
    expect(mine.body).toContain('### amnesia: error');
  });

  it("asks GraphQL who an app's token is (GET /user is refused), and updates only that app's comment", async () => {
    api.appBot = 'acme-app[bot]';
    const marker = '<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","statuses":{}} -->';
    const actions = api.addComment(marker, 'github-actions[bot]');
    const app = api.addComment(marker, 'acme-app[bot]');
    await step();
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update']);
    expect(actions.body).toBe(marker);
    expect(app.body).toContain('### amnesia: error');
  });

  it('takes the default token for github-actions[bot] when neither GET /user nor GraphQL says who it is', async () => {
    api.fail('viewer', 502);
    const ours = api.addComment(
      '<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","statuses":{}} -->',
      'github-actions[bot]',
    );
    await step();
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update']);
    expect(ours.body).toContain('### amnesia: error');
  });

  it('writes a new comment when its comment was deleted between the list and the update (404)', async () => {
    api.addComment(
      '<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","statuses":{}} -->',
      'github-actions[bot]',
    );
    api.fail('update', 404);
    const r = await step();
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update', 'create']);
    expect(r.outputs['comment-url']).toBe(api.comments.at(-1)?.html_url);
    expect(r.annotations.filter((a) => a.command === 'warning')).toEqual([]);
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
    expect(r.failed?.message).toContain('scenarios/bad.yaml:3:5');
    expect(r.failed?.message).not.toContain(bad.dir); // repository-relative
    expect(r.outputs['exit-code']).toBe('2');
    expectEveryOutput(r.outputs);
    expect(r.outputs['artifacts-dir']).toBe(path.join(bad.dir, '.amnesia/artifacts'));
    // The PR says this commit was not judged, with the error.
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'create']);
    const body = api.comments[0]?.body ?? '';
    expect(body).toMatch(/^### amnesia: could not run\n/);
    expect(body).toContain('scenarios/bad.yaml:3:5 steps[0].crash: `r9` does not exist');
    expect(body).not.toContain(bad.dir);
  });

  it('masks secrets in the error the PR comment shows when a run cannot run', async () => {
    const SECRET = 'pk_live_51Hc0ffee42';
    const r = await step({ reports: `missing/${SECRET}/amnesia.json` }, { env: { STRIPE_API_KEY: SECRET } });
    expect(r.failed?.message).toContain('no report matches');
    const body = api.comments[0]?.body ?? '';
    expect(body).toContain('### amnesia: could not run');
    expect(body).toContain('missing/***/amnesia.json');
    expect(r.masked).toContain(SECRET); // GitHub masks it in the log
    const { summary, annotations, outputs, failed } = r;
    expect(JSON.stringify({ body, summary, annotations, outputs, failed })).not.toContain(SECRET);
  });

  it('annotates at most 9 invalid inputs (setFailed is the 10th) and says how many more', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => `  - crash: r${i + 9}\n`).join('');
    await using bad = await tempFiles({
      'amnesia.config.yaml': 'app:\n  command: node server.js\n',
      'scenarios/bad.yaml': `name: x\nsteps:\n${steps}  - user: hello\n`,
    });
    const r = await runStep({ workspace: bad.dir, apiUrl: api.url, inputs: { comment: 'false' } });
    const errors = r.annotations.filter((a) => a.command === 'error');
    expect(errors).toHaveLength(10);
    expect(errors.at(-1)).toBe(r.failed);
    expect(r.summary).toContain('3 more problems are not annotated');
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
