import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationsOf, parseJsonReport, selectShard } from '../../src/index.ts';
import { basicProject } from '../helpers/basic-app.ts';
import { runAmnesia } from '../helpers/cli.ts';

/** Two turns on the one worker, with `between` (a disruption step) or nothing in between. */
const scenario = (name: string, between = '') => `name: ${name}
steps:
  - user: My cat is called Miso.
${between}  - user: What is my cat called?
    expect:
      recall: [Miso]
`;

const FILES = {
  'scenarios/a.yaml': scenario('same worker'),
  'scenarios/b.yaml': scenario('after a restart', '  - restart\n'),
  'scenarios/c.yaml': scenario('after a wait', '  - wait: 10ms\n'),
};
const ONE_WORKER = ['--replicas', '1', '--workers', '1', '--probe', 'never', '--seed', '1'];

const names = async (dir: string, file: string) =>
  parseJsonReport(await readFile(path.join(dir, file), 'utf8'), file).scenarios.map((s) => s.name);

describe('amnesia run --shard / merge-reports (the real CLI)', () => {
  it('splits the suite into shards that merge back into the whole run', { timeout: 120_000 }, async () => {
    await using project = await basicProject('global', FILES);
    const run = (shard: string, out: string) =>
      runAmnesia(['run', ...ONE_WORKER, '--shard', shard, '--report', `json=${out}`], { cwd: project.dir });
    const [first, second] = [await run('1/2', 'shard-1.json'), await run('2/2', 'shard-2.json')];
    const one = await names(project.dir, 'shard-1.json');
    const two = await names(project.dir, 'shard-2.json');
    expect([...one, ...two].sort()).toEqual(['after a restart', 'after a wait', 'same worker']);
    expect(one.filter((n) => two.includes(n))).toEqual([]);
    expect([first.code, second.code].sort()).toEqual([0, 1]); // the restart forgets, in one of them

    const merged = await runAmnesia(['merge-reports', 'shard-*.json', '--report', 'json=merged.json'], {
      cwd: project.dir,
    });
    expect(merged.stdout).toContain('3 scenarios: 2 passed, 1 failed, 0 errors');
    expect(merged.stdout).toContain('✗ after a restart');
    expect(merged.code).toBe(1);

    // Balanced by the last run's durations: the split run() makes is the one selectShard computes.
    const last = parseJsonReport(
      await readFile(path.join(project.dir, 'merged.json'), 'utf8'),
      'merged.json',
    );
    const durations = durationsOf(last);
    await runAmnesia(
      [
        'run',
        ...ONE_WORKER,
        '--shard',
        '1/2',
        '--shard-durations',
        'merged.json',
        '--report',
        'json=bal.json',
      ],
      { cwd: project.dir },
    );
    const expected = selectShard(last.scenarios, { index: 1, total: 2, durations }).map((s) => s.name);
    expect((await names(project.dir, 'bal.json')).sort()).toEqual(expected.sort());
  });

  it('refuses to merge when a shard is missing (exit 2)', { timeout: 60_000 }, async () => {
    await using project = await basicProject('global', { 'scenarios/a.yaml': FILES['scenarios/a.yaml'] });
    await runAmnesia(['run', ...ONE_WORKER, '--shard', '1/2', '--report', 'json=shard-1.json'], {
      cwd: project.dir,
    });
    const merged = await runAmnesia(['merge-reports', 'shard-1.json'], { cwd: project.dir });
    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('cannot merge the reports: shard 2/2 is missing');
  });

  it('refuses a bad --shard, and checks scenarios against the --replicas/--workers override', async () => {
    await using project = await basicProject('global', {
      'scenarios/x.yaml': 'name: x\nsteps:\n  - user: hi\n  - crash: r2\n',
    });
    const bad = await runAmnesia(['run', '--shard', '3/2'], { cwd: project.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard "3/2": expected INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL');
    const narrow = await runAmnesia(['validate'], { cwd: project.dir });
    expect(narrow.code).toBe(0);
    const override = await runAmnesia(['run', '--replicas', '1'], { cwd: project.dir });
    expect(override.code).toBe(2);
    expect(override.stderr).toContain(
      '`r2` does not exist: the topology has 1 replica × 2 workers here (the replicas/workers override)',
    );
  });
});
