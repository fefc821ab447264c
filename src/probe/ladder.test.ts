import { describe, expect, it } from 'vitest';
import type { TurnStep } from '../scenario/types.ts';
import type { ScenarioResult, TurnRecord } from '../types/results.ts';
import { buildLadder, readLadder } from './ladder.ts';

const probe = { say: 'My codename is {{canary}}.', ask: 'What is my codename?' };
let n = 0;
const canary = () => `canary-${++n}`;

const turnsOf = (steps: readonly { kind: string }[]) => steps.filter((s): s is TurnStep => s.kind === 'turn');
const where = (t: TurnStep) => (t.pin?.kind === 'worker' ? `r${t.pin.replica}w${t.pin.worker}` : '?');

describe('buildLadder', () => {
  it('climbs six rungs with fresh sessions; its name says what it is once (the topology is the event’s)', () => {
    const ladder = buildLadder({ replicas: 2, workers: 2 }, probe, canary);
    expect(ladder.scenario.name).toBe('probe ladder');
    expect(ladder.rungs.map((r) => r.rung)).toEqual(['SW', 'OW', 'OR', 'RS', 'CR', 'RD']);
    expect(ladder.scenario.sessions).toEqual([
      'probe-sw',
      'probe-ow',
      'probe-or',
      'probe-rs',
      'probe-cr',
      'probe-rd',
    ]);
  });

  it('climbs LT for long-term memory: the fact, filler turns on r1w1, the question on r1w1 then on r1w2', () => {
    const ladder = buildLadder({ replicas: 2, workers: 2 }, { ...probe, longTerm: true, fillers: 3 }, canary);
    const lt = ladder.rungs.at(-1);
    expect(lt?.rung).toBe('LT');
    const turns = turnsOf(ladder.scenario.steps).filter((t) => t.session === 'probe-lt');
    expect(turns.map((t) => [where(t), t.user, t.expect.recall.length])).toEqual([
      ['r1w1', expect.stringMatching(/^My codename is canary-\d+\.$/), 0],
      ['r1w1', 'Tell me a fun fact about octopuses.', 0],
      ['r1w1', 'How far away is the moon?', 0],
      ['r1w1', 'Suggest a name for a goldfish.', 0],
      ['r1w1', 'What is my codename?', 1],
      ['r1w2', 'What is my codename?', 1],
    ]);
    expect([lt?.control, lt?.ask]).toEqual([turns[4]?.step, turns[5]?.step]);
    // Fillers share no word with the question, so retrieval by similarity still finds the fact.
    for (const t of turns.slice(1, 4)) expect(t.user.toLowerCase()).not.toMatch(/codename/);
  });

  it('skips LT where a replica has one worker, like OW', () => {
    const ladder = buildLadder({ replicas: 2, workers: 1 }, { ...probe, longTerm: true }, canary);
    expect(ladder.rungs.filter((r) => r.skipped).map((r) => [r.rung, r.skipped])).toEqual([
      ['OW', 'needs 2 workers per replica'],
      ['LT', 'needs 2 workers per replica'],
    ]);
  });
});

describe('readLadder', () => {
  const ladder = buildLadder({ replicas: 1, workers: 2 }, { ...probe, longTerm: true, fillers: 2 }, canary);
  /** The ladder's run with these recalls held (by step), every other turn passing. */
  function result(held: (step: number) => boolean): ScenarioResult {
    const steps = turnsOf(ladder.scenario.steps).map(
      (t) =>
        ({
          kind: 'turn',
          step: t.step,
          session: t.session,
          passed: t.expect.recall.length === 0 || held(t.step),
          llm: [],
          expectations: [],
        }) as unknown as TurnRecord,
    );
    return { steps, leaks: [] } as unknown as ScenarioResult;
  }
  const lt = ladder.rungs.find((r) => r.rung === 'LT');

  it('LT is kept or lost on r1w2 when r1w1 still recalled the old fact', () => {
    expect(
      readLadder(
        ladder,
        result(() => true),
      ).rungs.at(-1),
    ).toEqual({ rung: 'LT', kept: true });
    expect(
      readLadder(
        ladder,
        result((s) => s !== lt?.ask),
      ).rungs.at(-1),
    ).toEqual({ rung: 'LT', kept: false });
  });

  it('LT is not judged when r1w1 lost the old fact too: a window or token limit, not long-term memory', () => {
    expect(
      readLadder(
        ladder,
        result((s) => s !== lt?.control && s !== lt?.ask),
      ).rungs.at(-1),
    ).toEqual({
      rung: 'LT',
      kept: null,
      note: 'lost on r1w1 too after 2 filler turns: no long-term memory reaches that far back (a window or a token limit)',
    });
  });
});
