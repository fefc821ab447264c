// The Action end to end in this process, with a runner's environment, against the plain test app
// (memory in one process's RAM: `global` mode) as 1 replica × 2 workers.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCommentRecord } from '../../src/index.ts';
import { basicProject } from '../helpers/basic-app.ts';
import { GitHubApiStandIn } from './github-api.ts';
import { expectEveryOutput, runStep } from './runner.ts';

const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const INPUTS = { replicas: '1', workers: '2', 'github-token': TOKEN };

/** A scenario whose follow-up recalls "Miso" on `worker`, after `between` (a disruption step, or none). */
const scenario = (name: string, worker: 'r1w1' | 'r1w2', between = '') => `name: ${name}
steps:
  - user: My cat is called Miso.
    on: r1w1
${between}  - user: What is my cat called?
    on: ${worker}
    expect:
      recall: [Miso]
`;

let api: GitHubApiStandIn;
beforeAll(async () => {
  api = await GitHubApiStandIn.start();
});
afterAll(() => api[Symbol.asyncDispose]());
beforeEach(() => api.reset());

describe('the Action against the plain test app', () => {
  it('comments once, then updates that comment saying what is newly failing, fixed and still failing', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/a.yaml': scenario('stays on one worker', 'r1w1'),
      'scenarios/b.yaml': scenario('follows up on another worker', 'r1w2'),
      'scenarios/c.yaml': scenario('survives a restart', 'r1w1', '  - restart\n'),
    });
    const step = (inputs: Record<string, string>) =>
      runStep({ workspace: project.dir, apiUrl: api.url, inputs: { ...INPUTS, ...inputs } });

    const first = await step({ probe: 'on-failure' });
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'create']);
    const comment = api.comments[0];
    expect(comment?.body).toContain('**Failed** · 3 scenarios: 1 passed, 2 failed, 0 errors');
    expect(comment?.body).not.toContain('Since the last run');
    expect(readCommentRecord(comment?.body ?? '')?.statuses).toEqual({
      'stays on one worker': 'passed',
      'follows up on another worker': 'failed',
      'survives a restart': 'failed',
    });

    const placed = first.annotations.filter((a) => a.command === 'error' && a.properties.file);
    expect(placed.map((a) => `${a.properties.file}:${a.properties.line}:${a.properties.col}`)).toEqual([
      'scenarios/b.yaml:8:16',
      'scenarios/c.yaml:9:16',
    ]);
    expect(placed[0]?.properties.title).toBe('amnesia: recall "Miso" (follows up on another worker)');
    expect(placed[0]?.message).toMatch(/^main#2 → r1w2 pid \d+: forgot "Miso": said in main#1 on r1w1/);

    expect(first.summary).toMatch(
      /^## amnesia\n\n\*\*Failed\*\* · 3 scenarios: 1 passed, 2 failed, 0 errors/,
    );
    expect(first.summary).toContain('user: What is my cat called?'); // the prompt the app sent
    expect(first.summary).toContain('```mermaid');
    expect(first.outputs).toMatchObject({
      passed: '1',
      failed: '2',
      errors: '0',
      'exit-code': '1',
      'diagnosis-row': '2',
      signature: 'SW ✓ OW ✗ OR – RS ✗ CR ✗ CI ✗ RD ✗ CC ✗',
      'comment-url': comment?.html_url,
    });
    expect(first.failed?.message).toBe('amnesia: 2 failed, 0 errors of 3 scenarios');

    // The next push: a fixed, b broken, c still broken.
    await writeFile(path.join(project.dir, 'scenarios/a.yaml'), scenario('stays on one worker', 'r1w2'));
    await writeFile(
      path.join(project.dir, 'scenarios/b.yaml'),
      scenario('follows up on another worker', 'r1w1'),
    );
    const second = await step({ probe: 'never' });
    expect(api.comments).toHaveLength(1);
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'create', 'list', 'user', 'viewer', 'update']);
    const updated = api.comments[0]?.body ?? '';
    expect(updated).toContain(
      '**Since the last run** (commit `6dcb09b`): 1 newly failing · 1 fixed · 1 still failing',
    );
    expect(updated).toContain(
      '- newly failing: stays on one worker\n- fixed: follows up on another worker\n- still failing: survives a restart',
    );
    expect(second.outputs).toMatchObject({
      passed: '1',
      failed: '2',
      'diagnosis-row': '',
      'comment-url': comment?.html_url,
    });
  });

  it('keeps the token, secret env values and URL passwords out of the summary, comment, annotations, outputs and artifacts', {
    timeout: 120_000,
  }, async () => {
    const KEY = 'sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4';
    const PASSWORD = 'hunter2';
    const DATABASE_URL = `postgres://chat:${PASSWORD}@127.0.0.1:5432/chat`;
    await using project = await basicProject('global', {
      'scenarios/key.yaml': `name: keeps the key
steps:
  - user: My API key is ${KEY}, my database password is ${PASSWORD} and my cat is Miso.
    on: r1w1
  - user: What was my key? Not ${TOKEN}, that one is the token.
    on: r1w2
    expect:
      recall: [${KEY}, ${PASSWORD}]
`,
    });
    // The app prints its environment at boot, as many do: the worker logs are in the artifacts.
    const config = path.join(project.dir, 'amnesia.config.yaml');
    await writeFile(
      config,
      (await readFile(config, 'utf8')).replace(
        'command: node server.ts',
        'command: env; exec node server.ts',
      ),
    );
    const r = await runStep({
      workspace: project.dir,
      apiUrl: api.url,
      inputs: { ...INPUTS, probe: 'never' },
      env: { ANTHROPIC_API_KEY: KEY, DATABASE_URL },
    });
    expect(r.masked).toEqual(expect.arrayContaining([TOKEN, KEY, PASSWORD]));
    expect(r.failed?.message).toBe('amnesia: 1 failed, 0 errors of 1 scenarios');

    const artifactsDir = r.outputs['artifacts-dir'] ?? '';
    const artifacts = await readdir(artifactsDir, { recursive: true, withFileTypes: true });
    const files = artifacts.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.map((f) => path.relative(artifactsDir, f))).toEqual(
      expect.arrayContaining([
        'amnesia.json',
        'amnesia.junit.xml',
        'keeps-the-key/llm-requests.jsonl',
        'keeps-the-key/logs/r1w1.1.log',
      ]),
    );
    const log = await readFile(path.join(artifactsDir, 'keeps-the-key/logs/r1w1.1.log'), 'utf8');
    expect(log).toContain('DATABASE_URL=postgres://chat:***@127.0.0.1:5432/chat');
    const written = {
      summary: r.summary,
      comment: api.comments.map((c) => c.body).join('\n'),
      annotations: JSON.stringify(r.annotations),
      outputs: JSON.stringify(r.outputs),
      ...Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(f, 'utf8')]))),
    };
    for (const [where, text] of Object.entries(written)) {
      expect(text, where).not.toContain(KEY);
      expect(text, where).not.toContain(TOKEN);
      expect(text, where).not.toContain(PASSWORD);
    }
    // They were there to leak, and were masked.
    expect(r.summary).toContain('recall "***"');
    expect(written.comment).toContain('`recall "***"`');
    expect(r.annotations.find((a) => a.properties.file)?.properties.title).toBe(
      'amnesia: recall "***" (keeps the key)',
    );
  });

  it('an app that cannot start replaces the earlier "passed" comment with one that says this commit was not judged', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {
      'scenarios/a.yaml': scenario('stays on one worker', 'r1w1'),
    });
    const config = path.join(project.dir, 'amnesia.config.yaml');
    await writeFile(
      config,
      (await readFile(config, 'utf8')).replace('command: node server.ts', 'command: node no-such-server.ts'),
    );
    const earlier = api.addComment(
      '### amnesia: passed\n<!-- amnesia-report {"v":1,"key":"amnesia.config.yaml","commit":"0ldc0mm1t","statuses":{"stays on one worker":"passed"}} -->',
      'github-actions[bot]',
    );
    const r = await runStep({
      workspace: project.dir,
      apiUrl: api.url,
      inputs: { ...INPUTS, probe: 'never' },
    });
    expect(r.outputs['exit-code']).toBe('2');
    expect(api.calls.map((c) => c.route)).toEqual(['list', 'user', 'viewer', 'update']);
    expect(earlier.body).not.toContain('amnesia: passed');
    expect(earlier.body).toMatch(/^### amnesia: error\n/);
    expect(earlier.body).toContain('`AMNESIA_APP_EXITED` worker r1w');
    expect(earlier.body).not.toContain(project.dir); // repository-relative
    expect(r.outputs['comment-url']).toBe(earlier.html_url);
  });

  it('mode: probe classifies the app by the probe ladder alone', { timeout: 120_000 }, async () => {
    await using project = await basicProject('global', {});
    const r = await runStep({
      workspace: project.dir,
      apiUrl: api.url,
      inputs: { ...INPUTS, mode: 'probe' },
    });
    expect(r.summary).toContain('## amnesia probe');
    expect(r.summary).toContain('probe ladder (1 × 2)  SW ✓ OW ✗ OR – RS ✗ CR ✗ CI ✗ RD ✗ CC ✗');
    expect(r.summary).toContain('row 2: per-session memory in a process-global map');
    expect(r.outputs).toMatchObject({
      'exit-code': '1',
      'diagnosis-row': '2',
      signature: 'SW ✓ OW ✗ OR – RS ✗ CR ✗ CI ✗ RD ✗ CC ✗',
    });
    expect(r.failed?.message).toBe('amnesia: the probe ladder: SW ✓ OW ✗ OR – RS ✗ CR ✗ CI ✗ RD ✗ CC ✗');
    expectEveryOutput(r.outputs);
    expect(path.isAbsolute(r.outputs['artifacts-dir'] ?? '')).toBe(true);
    expect(api.calls).toEqual([]);
  });
});
