import { describe, expect, it } from 'vitest';
import { formatTarget } from '../scenario/types.ts';
import { buildLadder } from './ladder.ts';

const PROBE = { say: 'My codename is {{canary}}.', ask: 'What is my codename?' };

function ccSteps(topology: { replicas: number; workers: number }) {
  let n = 0;
  const ladder = buildLadder(topology, PROBE, () => `canary-${++n}`);
  const start = ladder.scenario.steps.findIndex((s) => s.kind === 'turn' && s.session === 'probe-cc');
  return { ladder, steps: start < 0 ? [] : ladder.scenario.steps.slice(start) };
}

describe('the probe ladder: rung CC', () => {
  it('says a fact, then two more at once on r1w1 and r1w2, then asks for both on r1w1', () => {
    const { ladder, steps } = ccSteps({ replicas: 2, workers: 2 });
    expect(steps.map((s) => s.kind)).toEqual(['turn', 'together', 'turn']);
    const [say, group, ask] = steps;
    expect(say?.kind === 'turn' && say.pin && formatTarget(say.pin)).toBe('r1w1');
    if (group?.kind !== 'together' || ask?.kind !== 'turn') throw new Error('not the CC rung');
    expect(group.turns.map((t) => t.pin && formatTarget(t.pin))).toEqual(['r1w1', 'r1w2']);
    expect(group.turns.map((t) => `${t.session}#${t.turn}`)).toEqual(['probe-cc#2', 'probe-cc#3']);
    expect(ask.pin && formatTarget(ask.pin)).toBe('r1w1');
    expect(ask.expect.recall.map((m) => m.source)).toEqual(
      group.turns.map((t) => /canary-\d+/.exec(t.user)?.[0]),
    );
    expect(ladder.rungs.at(-1)).toEqual({ rung: 'CC', ask: ask.step });
  });

  it('uses the other replica when a replica has one worker, and is skipped with one process', () => {
    const { steps } = ccSteps({ replicas: 2, workers: 1 });
    const group = steps[1];
    expect(group?.kind === 'together' && group.turns.map((t) => t.pin && formatTarget(t.pin))).toEqual([
      'r1w1',
      'r2w1',
    ]);
    const single = ccSteps({ replicas: 1, workers: 1 });
    expect(single.steps).toEqual([]);
    expect(single.ladder.rungs.at(-1)).toEqual({ rung: 'CC', skipped: 'needs 2 workers' });
  });
});
