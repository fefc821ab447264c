import { describe, expect, it } from 'vitest';
import { AmnesiaError } from '../errors.ts';
import { durationsOf, parseShard, selectShard } from './shard.ts';

const named = (...names: string[]) => names.map((name) => ({ name }));
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

describe('parseShard', () => {
  it('reads INDEX/TOTAL', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
  });

  it.each(['0/4', '5/4', '2', '2/0', 'a/b', '1/4/2', '-1/4', '1/257'])('refuses %s as bad input', (text) => {
    expect(() => parseShard(text)).toThrow(AmnesiaError);
    expect(() => parseShard(text)).toThrow(/expected INDEX\/TOTAL/);
  });
});

describe('selectShard', () => {
  const suite = named(
    'crash',
    'restart',
    'cross-worker',
    'cross-replica',
    'full-redeploy',
    'same-worker',
    'leak',
  );

  it.each([1, 2, 3, 4, 7, 9])(
    'splits %i ways into disjoint parts that cover every scenario once',
    (total) => {
      const parts = Array.from({ length: total }, (_, i) =>
        names(selectShard(suite, { index: i + 1, total })),
      );
      expect(parts.flat().toSorted()).toEqual(names(suite).toSorted());
    },
  );

  it('keeps the original order within a shard', () => {
    const part = names(selectShard(suite, { index: 1, total: 2 }));
    expect(part).toEqual(names(suite).filter((n) => part.includes(n)));
  });

  it('gives every machine the same split whatever order it found the files in', () => {
    const reversed = suite.toReversed();
    for (const index of [1, 2, 3]) {
      expect(names(selectShard(reversed, { index, total: 3 })).toSorted()).toEqual(
        names(selectShard(suite, { index, total: 3 })).toSorted(),
      );
    }
  });

  it('deals scenarios out in turn by name when no durations are known', () => {
    const s = named('d', 'b', 'a', 'c');
    expect(names(selectShard(s, { index: 1, total: 2 }))).toEqual(['a', 'c']);
    expect(names(selectShard(s, { index: 2, total: 2 }))).toEqual(['d', 'b']);
  });

  it('balances by the durations of the last run: longest first, each to the least loaded shard', () => {
    const s = named('a', 'b', 'c', 'd');
    const durations = { a: 100, b: 60, c: 50, d: 10 };
    expect(names(selectShard(s, { index: 1, total: 2, durations }))).toEqual(['a', 'd']);
    expect(names(selectShard(s, { index: 2, total: 2, durations }))).toEqual(['b', 'c']);
  });

  it('counts a scenario the last run did not have as the mean of those it had', () => {
    // new = (90 + 10) / 2 = 50: long → 1 (90), new → 2 (50), short → 2 (60)
    const s = named('long', 'new', 'short');
    const durations = { long: 90, short: 10 };
    expect(names(selectShard(s, { index: 1, total: 2, durations }))).toEqual(['long']);
    expect(names(selectShard(s, { index: 2, total: 2, durations }))).toEqual(['new', 'short']);
  });

  it('leaves a shard empty when there are more shards than scenarios', () => {
    expect(selectShard(named('only'), { index: 2, total: 3 })).toEqual([]);
  });
});

describe('durationsOf', () => {
  it('maps scenario names to how long they took, leaving out the skipped', () => {
    const scenario = (name: string, status: 'passed' | 'skipped', durationMs: number) =>
      ({ name, status, durationMs }) as never;
    const r = { scenarios: [scenario('a', 'passed', 1200), scenario('b', 'skipped', 0)] } as never;
    expect(durationsOf(r)).toEqual({ a: 1200 });
  });
});
