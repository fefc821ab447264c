import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import { createMatcher } from '../scenario/matcher.ts';
import type { TurnStep } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { ExpectationResult } from '../types/results.ts';
import { judgeTurn } from './expectations.ts';
import { classifyRecalls, type EarlierTurn, inFlightAnswered } from './traffic.ts';

const AT = { file: 's.yaml', line: 1, column: 1 };

const prompt = (...contents: string[]): RecordedLlmRequest[] => [
  {
    seq: 1,
    at: 0,
    scope: 's',
    worker: 'r1w1',
    turnId: 't',
    kind: 'chat',
    method: 'POST',
    path: '/chat/completions',
    stream: false,
    messages: contents.map((content) => ({ role: 'user', content })),
    input: [],
    body: null,
    status: 200,
    reply: 'ack',
  },
];

function said(
  label: string,
  step: number,
  user: string,
  worker: WorkerId,
  extra: Partial<EarlierTurn> = {},
): EarlierTurn {
  return { label, step, user, worker, llm: prompt(user), expectations: [], ...extra };
}

function step(user: string, recall: string[], extra: Partial<TurnStep> = {}): TurnStep {
  return {
    kind: 'turn',
    step: 9,
    session: 'main',
    turn: 9,
    user,
    expect: { recall: recall.map((r) => createMatcher(r, AT)), forget: [] },
    at: AT,
    ...extra,
  };
}

/** Judge the asking turn (its prompt `llm`) against the earlier turns, as the runner does. */
function judge(
  earlier: EarlierTurn[],
  recall: string[],
  llm: RecordedLlmRequest[],
  worker?: WorkerId,
): ExpectationResult[] {
  const s = step('What are my pets called?', recall);
  const judged = judgeTurn({
    step: s,
    earlier: earlier.map((t) => ({ ...t, pid: 1 })),
    llm,
    reply: 'ack',
    json: undefined,
    answered: true,
  });
  return classifyRecalls(judged, { step: s.step, llm, ...(worker ? { worker } : {}) }, earlier);
}

describe('lost updates', () => {
  const miso = 'My cat is called Miso.';
  const rex = 'My dog is called Rex.';
  const atOnce = (worker: WorkerId, label: string) => ({ together: [{ label, worker }] });
  const group = [
    said('main#1', 0, 'My name is Ada.', 'r1w1'),
    said('main#2', 1, miso, 'r1w2', atOnce('r2w1', 'main#3')),
    said('main#3', 1, rex, 'r2w1', atOnce('r1w2', 'main#2')),
  ];

  it('names the two turns answered at once and the one whose message no later prompt carries', () => {
    const [cat, dog] = judge(group, ['Miso', 'Rex'], prompt('My name is Ada.', miso));
    expect(cat?.passed).toBe(true);
    expect(dog).toMatchObject({
      passed: false,
      cause: 'lost-update',
      message:
        "lost update: main#2 and main#3 were answered at once on r1w2 and r2w1; main#3's message is missing from every later prompt",
    });
  });

  it('is an ordinary forgetting when no prompt ever showed memory reach across workers (one process holds it)', () => {
    // LangGraph's MemorySaver under together: r1w1's RAM holds main#1 and main#2, never r1w2's main#3.
    const ram = [
      said('main#1', 0, 'My name is Ada.', 'r1w1'),
      said('main#2', 1, miso, 'r1w1', atOnce('r1w2', 'main#3')),
      said('main#3', 1, rex, 'r1w2', atOnce('r1w1', 'main#2')),
    ];
    const [, dog] = judge(ram, ['Miso', 'Rex'], prompt('My name is Ada.', miso), 'r1w1');
    expect(dog?.cause).toBeUndefined();
    // A store every worker reads shows it: main#3's prompt on r1w2 held main#1, said on r1w1.
    const shared = ram.map((t) => (t.label === 'main#3' ? { ...t, llm: prompt('My name is Ada.', rex) } : t));
    const [, lost] = judge(shared, ['Miso', 'Rex'], prompt('My name is Ada.', miso), 'r1w1');
    expect(lost?.cause).toBe('lost-update');
  });

  it('is an ordinary forgetting when neither turn of the pair was kept', () => {
    const [cat] = judge(group, ['Miso'], prompt('My name is Ada.'));
    expect(cat?.cause).toBeUndefined();
    expect(cat?.message).toMatch(/^forgot "Miso": said in main#2 on r1w2/);
  });

  it('is an ordinary forgetting when what the session said before the pair is gone too (separate stores)', () => {
    // One worker's RAM, or one replica's disk, holds the turn it served and nothing else.
    const [, dog] = judge(group, ['Miso', 'Rex'], prompt(miso));
    expect(dog?.cause).toBeUndefined();
    expect(dog?.message).toMatch(/^forgot "Rex": said in main#3 on r2w1/);
  });
});

describe('turns in flight during a disruption', () => {
  const engine = 'I am building the Analytical Engine.';
  const inFlight = { step: 1, description: 'restart r1w1' };

  it('an answered turn that later prompts miss was answered but not remembered', () => {
    const earlier = [
      said('main#1', 0, 'My name is Ada.', 'r1w1'),
      said('main#2', 1, engine, 'r1w1', { inFlight }),
    ];
    const [e] = judge(earlier, ['Analytical Engine'], prompt('My name is Ada.'));
    expect(e).toMatchObject({
      passed: false,
      cause: 'lost-in-flight',
      message:
        'answered but not remembered: main#2 was answered on r1w1 while restart r1w1 was under way; its message is missing from every later prompt',
    });
  });

  it('a turn whose request failed as allowed is not owed: its recall passes, saying why', () => {
    const failure = { kind: 'connection' as const, message: 'reset', outputTail: [] };
    const allowed = inFlightAnswered(
      step(engine, [], { expect: { recall: [], forget: [], error: 'allowed' } }),
      'reset',
      'restart r1w1',
    );
    const earlier = [
      said('main#2', 1, engine, 'r1w1', { inFlight, failure, expectations: allowed ? [allowed] : [] }),
    ];
    const [e] = judge(earlier, ['Analytical Engine'], prompt('hello'));
    expect(e?.passed).toBe(true);
    expect(e?.message).toMatch(/^not owed: said only in main#2, whose request failed while restart r1w1/);
  });

  it('a failed request is acceptable only when the turn allows it', () => {
    const must = step(engine, []);
    expect(inFlightAnswered(must, undefined, 'restart r1w1')).toBeUndefined();
    expect(
      inFlightAnswered(must, 'POST /chat: the worker closed the connection', 'restart r1w1'),
    ).toMatchObject({
      passed: false,
      cause: 'lost-in-flight',
      message: expect.stringMatching(
        /^the request failed while restart r1w1 was under way: the app dropped a turn in flight/,
      ),
    });
    const may = step(engine, [], { expect: { recall: [], forget: [], error: 'allowed' } });
    expect(inFlightAnswered(may, 'reset', 'restart r1w1')?.passed).toBe(true);
    const fail = step(engine, [], { expect: { recall: [], forget: [], error: true } });
    expect(inFlightAnswered(fail, undefined, 'crash r1w1')?.passed).toBe(false);
  });

  it('a client that timed out gave up: that is no turn the app dropped (row 10)', () => {
    const must = step(engine, []);
    const e = inFlightAnswered(must, 'POST /chat: no answer within 1s (chat.timeout)', 'restart r1w1', true);
    expect(e).toMatchObject({
      passed: false,
      message:
        'the request failed while restart r1w1 was under way: the client gave up before the app answered (POST /chat: no answer within 1s (chat.timeout))',
    });
    expect(e?.cause).toBeUndefined();
  });
});
