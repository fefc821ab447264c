import { describe, expect, it } from 'vitest';
import type { Scenario, Step } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import { pickWorker, planDisruptions } from './plan.ts';

const AT = { file: 's.yaml', line: 1, column: 1 };
const turn = (step: number): Step => ({
  kind: 'turn',
  step,
  session: 'main',
  turn: step + 1,
  user: 'hi',
  expect: { recall: [], forget: [] },
  at: AT,
});
const scenario = (steps: Step[]): Scenario => ({
  file: 's.yaml',
  name: 's',
  tags: [],
  steps: steps.map((s, i) => ({ ...s, step: i })),
  sessions: ['main'],
  at: AT,
});
const topology = { replicas: 2, workers: 2 };

describe('planDisruptions: a scenario’s disruptions at their share of the load’s turns', () => {
  it('runs a redeploy between turns 2 and 3 of 4 after half the turns', () => {
    const s = scenario([
      turn(0),
      turn(1),
      { kind: 'redeploy', step: 2, strategy: 'rolling', target: { kind: 'all' }, at: AT },
      turn(3),
      turn(4),
    ]);
    expect(planDisruptions(s, topology, 10_000).map((d) => [d.step.kind, d.afterTurns])).toEqual([
      ['redeploy', 5_000],
    ]);
  });

  it('places several, first and last included, and carries the topology after a scale', () => {
    const s = scenario([
      { kind: 'crash', step: 0, target: { kind: 'replica', replica: 1 }, at: AT },
      turn(1),
      { kind: 'scale', step: 2, replicas: 3, at: AT },
      turn(3),
      turn(4),
      { kind: 'wait', step: 5, ms: 10, at: AT },
    ]);
    const planned = planDisruptions(s, topology, 300);
    expect(planned.map((d) => [d.step.kind, d.afterTurns])).toEqual([
      ['crash', 0],
      ['scale', 100],
      ['wait', 300],
    ]);
    expect(planned[1]?.topology).toEqual({ replicas: 3, workers: 2 });
  });

  it('plans nothing without a scenario', () => {
    expect(planDisruptions(undefined, topology, 100)).toEqual([]);
  });
});

describe('pickWorker: each turn of a session on another worker', () => {
  const live: WorkerId[] = ['r1w1', 'r2w1', 'r1w2', 'r2w2'];

  it('walks the workers in routing order, alternating replicas, each session from its own offset', () => {
    let previous: WorkerId | undefined;
    const picks: (WorkerId | undefined)[] = [];
    for (let k = 1; k <= 5; k++) {
      previous = pickWorker(live, 1, k, previous);
      picks.push(previous);
    }
    expect(picks).toEqual(['r1w2', 'r2w2', 'r1w1', 'r2w1', 'r1w2']);
    expect(pickWorker(live, 2, 1, undefined)).toBe('r2w2');
  });

  it('never the previous worker while another is live; the only one when it is alone', () => {
    expect(pickWorker(['r1w1', 'r2w1'], 1, 1, 'r2w1')).toBe('r1w1');
    expect(pickWorker(['r1w1'], 1, 2, 'r1w1')).toBe('r1w1');
    expect(pickWorker([], 1, 1, undefined)).toBeUndefined();
  });
});
