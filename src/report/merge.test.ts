import { describe, expect, it } from 'vitest';
import { erroring, failing, passing, run } from '../../test/support/report-fixtures.ts';
import { AmnesiaError } from '../errors.ts';
import type { RunResult } from '../types/results.ts';
import { mergeResults } from './merge.ts';

const shard = (
  index: number,
  total: number,
  scenarios: RunResult['scenarios'],
  startedAt: number,
): RunResult => ({
  ...run,
  runId: `run-${index}`,
  startedAt,
  durationMs: 1000,
  exitCode: 0,
  scenarios,
  shard: { index, total },
});

describe('mergeResults', () => {
  it('makes one run of the shards: every scenario once, in file order, the worst verdict', () => {
    const merged = mergeResults([
      { source: 'a.json', result: shard(2, 2, [passing, erroring], 5000) },
      { source: 'b.json', result: shard(1, 2, [failing], 4000) },
    ]);
    expect(merged.scenarios.map((s) => s.name)).toEqual([
      passing.name, // scenarios/cross-worker.yaml
      erroring.name, // scenarios/rolling-redeploy.yaml
      failing.name, // scenarios/two-sessions.yaml
    ]);
    expect(merged.exitCode).toBe(2);
    expect(merged.runId).toBe('run-2+run-1');
    expect(merged.startedAt).toBe(4000);
    expect(merged.durationMs).toBe(2000); // from the first start to the last end
    expect(merged.shard).toBeUndefined();
    expect(merged.configFile).toBe(run.configFile);
  });

  it('passes when every shard passed, and an empty shard changes nothing', () => {
    const merged = mergeResults([
      { source: 'a.json', result: shard(1, 2, [passing], 0) },
      { source: 'b.json', result: shard(2, 2, [], 0) },
    ]);
    expect(merged.exitCode).toBe(0);
    expect(merged.scenarios).toHaveLength(1);
  });

  it('refuses a missing shard: its job died before reporting, so the verdict is unknown', () => {
    expect(() =>
      mergeResults([
        { source: 'a.json', result: shard(1, 3, [passing], 0) },
        { source: 'c.json', result: shard(3, 3, [failing], 0) },
      ]),
    ).toThrow('cannot merge the reports: shard 2/3 is missing');
  });

  it('refuses the same shard twice, a scenario twice, mixed splits, and a plain run among shards', () => {
    const cases: [RunResult[], RegExp][] = [
      [[shard(1, 2, [passing], 0), shard(1, 2, [failing], 0)], /shard 1\/2 is both r0\.json and r1\.json/],
      [
        [shard(1, 2, [passing], 0), shard(2, 2, [passing], 0)],
        /"remembers the name across workers" is in both/,
      ],
      [[shard(1, 2, [passing], 0), shard(2, 3, [failing], 0)], /different splits \(\/2, \/3\)/],
      [
        [{ ...run, scenarios: [passing] }, shard(1, 1, [failing], 0)],
        /r0\.json is not a shard, but r1\.json is/,
      ],
      [[], /no reports to merge/],
    ];
    for (const [results, message] of cases) {
      const sourced = results.map((result, i) => ({ source: `r${i}.json`, result }));
      expect(() => mergeResults(sourced)).toThrow(AmnesiaError);
      expect(() => mergeResults(sourced)).toThrow(message);
    }
  });

  it('merges runs that were not shards (say, one per tag)', () => {
    const merged = mergeResults([
      { source: 'a.json', result: { ...run, scenarios: [failing] } },
      { source: 'b.json', result: { ...run, runId: 'other', scenarios: [passing] } },
    ]);
    expect(merged.exitCode).toBe(1);
    expect(merged.runId).toBe(`${run.runId}+other`);
  });
});
