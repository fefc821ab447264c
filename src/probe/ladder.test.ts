import { describe, expect, it } from 'vitest';
import { formatTarget, type TurnStep } from '../scenario/types.ts';
import type { ScenarioResult, TurnRecord } from '../types/results.ts';
import { buildLadder, readLadder, SAVE_PAUSE_MS } from './ladder.ts';

const probe = { say: 'My codename is {{canary}}.', ask: 'What is my codename?' };
let n = 0;
const canary = () => `canary-${++n}`;

const turnsOf = (steps: readonly { kind: string }[]) => steps.filter((s): s is TurnStep => s.kind === 'turn');
const where = (t: TurnStep) => (t.pin?.kind === 'worker' ? `r${t.pin.replica}w${t.pin.worker}` : '?');

describe('buildLadder', () => {
  it('climbs eight rungs with fresh sessions; its name says what it is once (the topology is the event’s)', () => {
    const ladder = buildLadder({ replicas: 2, workers: 2 }, probe, canary);
    expect(ladder.scenario.name).toBe('probe ladder');
    expect(ladder.rungs.map((r) => r.rung)).toEqual(['SW', 'OW', 'OR', 'RS', 'CR', 'CI', 'RD', 'CC']);
    expect(ladder.scenario.sessions).toEqual([
      'probe-sw',
      'probe-ow',
      'probe-or',
      'probe-rs',
      'probe-cr',
      'probe-ci',
      'probe-rd',
      'probe-cc',
    ]);
  });

  it('gives the save time to land on every rung but CI, which crashes r1w1 at once after the answer', () => {
    const ladder = buildLadder({ replicas: 2, workers: 2 }, probe, canary);
    const steps = ladder.scenario.steps;
    const between = (session: string) => {
      const said = steps.findIndex((s) => s.kind === 'turn' && s.session === session);
      const next = steps.slice(said + 1).findIndex((s) => s.kind === 'turn' && s.session === session);
      return steps.slice(said + 1, said + 1 + next).map((s) => (s.kind === 'wait' ? `wait ${s.ms}` : s.kind));
    };
    const pause = `wait ${SAVE_PAUSE_MS}`;
    expect(between('probe-sw')).toEqual([pause]);
    expect(between('probe-ow')).toEqual([pause]);
    expect(between('probe-rs')).toEqual([pause, 'restart']);
    expect(between('probe-cr')).toEqual([pause, 'crash']);
    expect(between('probe-ci')).toEqual(['crash']);
    expect(between('probe-rd')).toEqual([pause, 'redeploy']);
    // CC: the two turns at once, then the pause, then the question.
    expect(between('probe-cc')).toEqual(['together', pause]);
    const ci = turnsOf(steps).filter((t) => t.session === 'probe-ci');
    expect(ci.map(where)).toEqual(['r1w1', 'r1w1']);
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

function ccSteps(topology: { replicas: number; workers: number }) {
  let n = 0;
  const ladder = buildLadder(topology, probe, () => `canary-${++n}`);
  const start = ladder.scenario.steps.findIndex((s) => s.kind === 'turn' && s.session === 'probe-cc');
  return { ladder, steps: start < 0 ? [] : ladder.scenario.steps.slice(start) };
}

describe('the probe ladder: rung CC', () => {
  it('says a fact, then two more at once on r1w1 and r1w2, then asks for both on r1w1', () => {
    const { ladder, steps } = ccSteps({ replicas: 2, workers: 2 });
    expect(steps.map((s) => s.kind)).toEqual(['turn', 'together', 'wait', 'turn']);
    const [say, group, , ask] = steps;
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

describe('readLadder: rung CC, a lost update or a window', () => {
  const ladder = buildLadder({ replicas: 1, workers: 2 }, probe, () => `canary-${++n}`);
  const cc = ladder.scenario.steps.flatMap((s) =>
    s.kind === 'turn' ? [s] : s.kind === 'together' ? s.turns : [],
  );
  const session = cc.filter((t) => t.session === 'probe-cc');
  const ask = session.at(-1) as TurnStep;
  /** The ladder's run where the CC question's prompt held these earlier turns of its session (by index). */
  function run(held: number[]): ScenarioResult {
    const steps = turnsOf(ladder.scenario.steps)
      .concat(ladder.scenario.steps.flatMap((s) => (s.kind === 'together' ? s.turns : [])))
      .map((t) => {
        const isAsk = t === ask;
        const history = isAsk
          ? held.flatMap((i) => [
              { role: 'user', content: session[i]?.user ?? '' },
              { role: 'assistant', content: `ack probe-cc#${i + 1}` },
            ])
          : [];
        return {
          kind: 'turn',
          step: t.step,
          session: t.session,
          user: t.user,
          passed: !isAsk || held.length === 3,
          llm: [{ kind: 'chat', messages: [...history, { role: 'user', content: t.user }], reply: 'ack' }],
          expectations: [],
        } as unknown as TurnRecord;
      });
    return { steps, leaks: [] } as unknown as ScenarioResult;
  }
  const ccOf = (r: ScenarioResult) => readLadder(ladder, r).rungs.find((x) => x.rung === 'CC');

  it('a prompt that kept the fact said before and one of the two turns is a lost update (CC ✗)', () => {
    expect(ccOf(run([0, 1]))).toEqual({ rung: 'CC', kept: false });
    expect(ccOf(run([0, 1, 2]))).toEqual({ rung: 'CC', kept: true });
  });

  it('a prompt that kept only the latest turn (a two-message window) is not judged; nothing kept stays ✗', () => {
    expect(ccOf(run([2]))).toEqual({
      rung: 'CC',
      kept: null,
      note: 'the history before the two turns at once is missing too while one of them is there: a window or token limit keeps only the latest messages (row 4), so a lost update cannot be told',
    });
    expect(ccOf(run([]))).toEqual({ rung: 'CC', kept: false });
  });
});
