// The committed bundle (action/dist/index.js, what action.yml runs): current, without the optional
// packages, and working when plain Node 24 runs it as the runner does.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE, OPTIONAL, options, REPO } from '../../action/build.ts';
import { basicProject } from '../helpers/basic-app.ts';
import { GitHubApiStandIn } from './github-api.ts';
import { readStep, type StepOptions, stepEnvironment } from './runner.ts';

const NODE = path.join(REPO, 'node_modules/.bin/node');

describe('action/dist/index.js', () => {
  it('is what `npm run bundle:action` builds from the sources today', async () => {
    const fresh = await build({ ...options, write: false, logLevel: 'silent' });
    const committed = readFileSync(BUNDLE);
    const same = Buffer.compare(Buffer.from(fresh.outputFiles[0]?.contents ?? []), committed) === 0;
    expect(same, 'action/dist/index.js is stale: run `npm run bundle:action` and commit it').toBe(true);
  });

  it('leaves the optional packages out: the Action uses the ones the user installed', async () => {
    const { metafile } = await build({ ...options, write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((f) => f.startsWith('action/') && f.endsWith('main.ts'))).toBe(true);
    for (const name of OPTIONAL)
      expect(inputs.filter((f) => f.includes(`node_modules/${name}/`))).toEqual([]);
  });
});

describe('the bundle run by plain node, as a runner does', () => {
  let api: GitHubApiStandIn;
  beforeAll(async () => {
    api = await GitHubApiStandIn.start();
  });
  afterAll(() => api[Symbol.asyncDispose]());
  beforeEach(() => api.reset());

  const SCENARIO = (follow: 'r1w1' | 'r1w2') => `name: follow-up
steps:
  - user: My cat is called Miso.
    on: r1w1
  - user: What is my cat called?
    on: ${follow}
    expect:
      recall: [Miso]
`;

  it('exits 1 when a scenario forgot, with the annotation, the summary and the PR comment', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', { 'scenarios/follow-up.yaml': SCENARIO('r1w2') });
    const step = await runBundle({ workspace: project.dir, apiUrl: api.url, inputs: INPUTS });
    expect(step.code).toBe(1);
    expect(step.failed?.message).toBe('amnesia: 1 failed, 0 errors of 1 scenarios');
    expect(step.annotations).toContainEqual(
      expect.objectContaining({
        properties: expect.objectContaining({ file: 'scenarios/follow-up.yaml', line: '8' }),
      }),
    );
    expect(step.summary).toContain('**Failed** · 1 scenario: 0 passed, 1 failed, 0 errors');
    expect(step.outputs['exit-code']).toBe('1');
    expect(api.comments).toHaveLength(1);
    expect(api.comments[0]?.body).toContain('**Failed**');
  });

  it('exits 0 when every scenario passed', { timeout: 120_000 }, async () => {
    await using project = await basicProject('global', { 'scenarios/follow-up.yaml': SCENARIO('r1w1') });
    const step = await runBundle({
      workspace: project.dir,
      apiUrl: api.url,
      inputs: INPUTS,
      trigger: 'push',
    });
    expect(step.code).toBe(0);
    expect(step.failed).toBeUndefined();
    expect(step.outputs).toMatchObject({ passed: '1', failed: '0', 'exit-code': '0' });
  });
});

const INPUTS = { replicas: '1', workers: '2', probe: 'never', 'github-token': 'ghs_bundleSmokeToken0123' };

async function runBundle(o: StepOptions) {
  using step = stepEnvironment(o);
  const { env, outputFile, summaryFile } = step;
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    // The workspace is the step's cwd; the app's `node` is the one on PATH, as on a runner.
    const child = spawn(NODE, [BUNDLE], { cwd: o.workspace, env: { PATH: process.env.PATH, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out }));
  });
  return { code, ...readStep(stdout, outputFile, summaryFile) };
}
