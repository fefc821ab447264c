import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentTarget, readInputs } from '../../action/inputs.ts';
import { renderJson } from '../../src/index.ts';
import { tempFiles } from '../helpers/files.ts';
import { run } from '../support/report-fixtures.ts';

const WORKSPACE = '/home/runner/work/chat/chat';
const from = (inputs: Record<string, string>) => ({ getInput: (name: string) => inputs[name] ?? '' });
const read = (inputs: Record<string, string>) => readInputs(from(inputs), WORKSPACE, 'tok');

describe('readInputs', () => {
  it('applies action.yml’s defaults to inputs the runner did not set', async () => {
    const inputs = await read({});
    expect(inputs).toEqual({
      mode: 'run',
      workspace: WORKSPACE,
      run: {
        cwd: WORKSPACE,
        config: 'amnesia.config.yaml',
        concurrency: 1,
        probe: 'on-failure',
        artifactsDir: `${WORKSPACE}/.amnesia/artifacts`,
      },
      probe: {
        cwd: WORKSPACE,
        config: 'amnesia.config.yaml',
        artifactsDir: `${WORKSPACE}/.amnesia/artifacts`,
      },
      reports: [],
      shard: undefined,
      comment: true,
      failOn: 'failed',
      artifactsDir: `${WORKSPACE}/.amnesia/artifacts`,
      token: 'tok',
    });
  });

  it('turns every input into the RunOptions the CLI would build', async () => {
    const inputs = await read({
      config: 'app/amnesia.config.yaml',
      scenarios: 'scenarios/crash.yaml\n  scenarios/{restart,redeploy}.yaml  \n',
      tags: 'redeploy, workers\nisolation',
      replicas: '3',
      workers: '1',
      concurrency: '2',
      probe: 'never',
      shard: '2/4',
      artifacts: 'out',
      comment: 'False',
      'fail-on': 'never',
    });
    expect(inputs.run).toEqual({
      cwd: WORKSPACE,
      config: 'app/amnesia.config.yaml',
      patterns: ['scenarios/crash.yaml', 'scenarios/{restart,redeploy}.yaml'],
      tags: ['redeploy', 'workers', 'isolation'],
      topology: { replicas: 3, workers: 1 },
      concurrency: 2,
      probe: 'never',
      artifactsDir: `${WORKSPACE}/out`,
      shard: { index: 2, total: 4 },
    });
    expect(inputs.probe.topology).toEqual({ replicas: 3, workers: 1 });
    expect(inputs).toMatchObject({ comment: false, failOn: 'never', shard: { index: 2, total: 4 } });
  });

  it('balances the shard by the durations of a previous JSON report', async () => {
    await using dir = await tempFiles({});
    await writeFile(path.join(dir.dir, 'last.json'), renderJson(run));
    const inputs = await readInputs(from({ shard: '1/2', 'shard-durations': 'last.json' }), dir.dir, '');
    expect(inputs.run.shard).toEqual({
      index: 1,
      total: 2,
      durations: Object.fromEntries(run.scenarios.map((s) => [s.name, s.durationMs])),
    });
  });

  it.each([
    [{ mode: 'test' }, 'input "mode" "test": expected one of run, merge, probe'],
    [{ replicas: '17' }, 'input "replicas" "17": expected a whole number from 1 to 16'],
    [{ concurrency: '1.5' }, 'input "concurrency" "1.5": expected a whole number from 1 to 16'],
    [{ probe: 'sometimes' }, 'input "probe" "sometimes": expected one of on-failure, always, never'],
    [{ comment: 'yes' }, 'input "comment" "yes": expected true or false'],
    [{ 'fail-on': 'error' }, 'input "fail-on" "error": expected one of failed, never'],
    [{ shard: '5/4' }, 'input "shard" "5/4": expected INDEX/TOTAL'],
    [{ 'shard-durations': 'last.json' }, 'input "shard-durations" "last.json": set "shard" too'],
    [{ mode: 'merge' }, 'input "reports" "": mode "merge" needs the JSON reports of the shards'],
    [
      { mode: 'merge', reports: 'r/*.json', shard: '1/2' },
      'input "shard" "1/2": mode "merge" combines every shard',
    ],
  ])('refuses %o', async (inputs, message) => {
    await expect(read(inputs)).rejects.toThrow(message);
  });
});

describe('commentTarget', () => {
  it('reads what a failed run needs to report, whatever else is wrong with the inputs', () => {
    expect(
      commentTarget(from({ mode: 'rerun', config: './apps/../amnesia.config.yaml' }), WORKSPACE, 'tok'),
    ).toEqual({
      workspace: WORKSPACE,
      token: 'tok',
      comment: true,
      sharded: false,
      key: 'amnesia.config.yaml',
      artifactsDir: `${WORKSPACE}/.amnesia/artifacts`,
    });
    expect(commentTarget(from({ comment: 'FALSE' }), WORKSPACE, 'tok').comment).toBe(false);
    expect(commentTarget(from({ mode: 'probe' }), WORKSPACE, 'tok').comment).toBe(false);
    expect(commentTarget(from({ shard: '2/x' }), WORKSPACE, 'tok').sharded).toBe(true);
    const throwing = {
      getInput: () => {
        throw new Error('no');
      },
    };
    expect(commentTarget(throwing, WORKSPACE, '').key).toBe('amnesia.config.yaml');
  });
});
