import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { load } from '../../src/validate.ts';
import { tempFiles } from '../helpers/files.ts';

/** Validate one scenario whose second step is `step`; return its problems as printed lines. */
async function problemsOf(step: string, topology = ''): Promise<string[]> {
  await using tmp = await tempFiles({
    's.yaml': `name: pause\n${topology}steps:\n  - user: My name is Ada.\n${step}  - user: What is my name?\n    expect: { recall: [Ada] }\n`,
  });
  const { problems } = await load({ cwd: tmp.dir, patterns: ['s.yaml'] });
  return problems.map(formatProblem);
}

describe('validation of a pause', () => {
  it('accepts a target and a duration, with turns in flight', async () => {
    expect(await problemsOf('  - pause: { target: r1w1, for: 2s }\n')).toEqual([]);
    expect(await problemsOf('  - pause: { for: 500ms }\n    during:\n      - user: I like tea.\n')).toEqual(
      [],
    );
  });

  it('refuses a pause without a duration, at its line', async () => {
    expect(await problemsOf('  - pause: { target: r1w1 }\n')).toEqual([
      's.yaml:4:12 steps[1].pause.for: missing `for`: for must be a duration such as `500ms`, `2s` or `1m`',
    ]);
    expect(await problemsOf('  - pause: r1w1\n')).toEqual([
      's.yaml:4:12 steps[1].pause: expected a map with `target` and `for`, e.g. `pause: { target: r1w1, for: 2s }`; found the text "r1w1"',
    ]);
  });

  it('refuses a worker the topology does not have', async () => {
    const [p] = await problemsOf(
      '  - pause: { target: r1w3, for: 1s }\n',
      'topology: { replicas: 1, workers: 2 }\n',
    );
    expect(p).toMatch(
      /^s\.yaml:5:5 steps\[1\]\.pause: `r1w3` does not exist: the topology has 1 replica × 2 workers/,
    );
  });

  it('refuses a pause in serverless mode, where no worker lives between turns', async () => {
    expect(await problemsOf('  - pause: { for: 1s }\n', 'topology: { serverless: true }\n')).toEqual([
      's.yaml:5:5 steps[1].pause: a pause stops long-lived workers (SIGSTOP), and serverless mode has none: each turn gets a newly started instance\n    hint: use `crash` or `restart` (a new instance), or drop `topology.serverless`',
    ]);
  });
});
