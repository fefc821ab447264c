import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import { Canaries } from './canary.ts';
import { judgeLoadTurn, type LoadTurnInput } from './judge.ts';

const c = new Canaries('ab12', 300, 10);

describe('Canaries', () => {
  it('names a fact by run, session and turn, all of one length, and reads them back from any text', () => {
    expect(c.of(17, 4)).toBe('canary-ab12-s0017-t04');
    expect(c.of(300, 10)).toHaveLength(c.of(1, 1).length);
    expect(c.session(17)).toBe('s0017');
    expect(c.in(`user: x ${c.of(3, 1)}. assistant: ok; user: ${c.of(17, 4)}`)).toEqual([
      { session: 3, turn: 1, canary: 'canary-ab12-s0003-t01' },
      { session: 17, turn: 4, canary: 'canary-ab12-s0017-t04' },
    ]);
    // Another run's facts (another salt) are not this run's.
    expect(c.in(new Canaries('zz99', 300, 10).of(3, 1))).toEqual([]);
  });
});

const request = (
  messages: [string, string][],
  worker = 'r1w2',
  kind: 'chat' | 'embeddings' = 'chat',
): RecordedLlmRequest => ({
  seq: 1,
  at: 0,
  scope: 'load',
  worker,
  turnId: 'load/s0017#3',
  kind,
  method: 'POST',
  path: '/chat/completions',
  stream: false,
  messages: messages.map(([role, content]) => ({ role, content })),
  input: [],
  body: null,
  status: 200,
  reply: 'ack s0017#3; saw none',
});

const base = (over: Partial<LoadTurnInput>): LoadTurnInput => ({
  session: 17,
  label: 's0017#3',
  message: `Remember ${c.of(17, 3)}. What is my codename?`,
  worker: 'r1w2',
  answered: true,
  reply: 'ack s0017#3; saw s0017#1',
  requests: [],
  earlier: [
    { canary: c.of(17, 1), label: 's0017#1', worker: 'r1w1' },
    { canary: c.of(17, 2), label: 's0017#2', worker: 'r2w1' },
  ],
  ...over,
});

describe('judgeLoadTurn', () => {
  it('counts each earlier fact of the session kept or lost; the turn’s own message does not count', () => {
    const own = `Remember ${c.of(17, 3)}. What is my codename?`;
    const j = judgeLoadTurn(
      base({
        requests: [
          request([
            ['user', `Remember ${c.of(17, 1)}.`],
            ['assistant', 'ack s0017#1'],
            ['user', own],
          ]),
        ],
      }),
      c,
    );
    expect(j.kept).toBe(1);
    expect(j.lost).toEqual([{ canary: c.of(17, 2), saidIn: 's0017#2', worker: 'r2w1' }]);
    expect(j.leaked).toEqual([]);
    expect(j.misattributed).toEqual([]);
    expect(j.prompt?.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('counts an answer the user saw, missing while its message is there, as lost (only where the app keeps answers)', () => {
    const own = `Remember ${c.of(17, 3)}. What is my codename?`;
    const earlier = [
      { canary: c.of(17, 1), label: 's0017#1', worker: 'r1w1' as const, answer: 'ack s0017#1; saw none' },
      { canary: c.of(17, 2), label: 's0017#2', worker: 'r2w1' as const, answer: 'ack s0017#2; saw s0017#1' },
    ];
    const prompt = (withAnswers: boolean) => [
      request([
        ['user', `Remember ${c.of(17, 1)}.`],
        ...(withAnswers ? ([['assistant', 'ack s0017#1; saw none']] as [string, string][]) : []),
        ['user', `Remember ${c.of(17, 2)}. What is my codename?`],
        ['user', own],
      ]),
    ];
    const j = judgeLoadTurn(base({ earlier, requests: prompt(true) }), c);
    expect(j.kept).toBe(1);
    expect(j.lost).toEqual([{ canary: c.of(17, 2), saidIn: 's0017#2', worker: 'r2w1', answer: true }]);
    // An app that keeps only user messages owes no answer.
    expect(judgeLoadTurn(base({ earlier, requests: prompt(false) }), c).lost).toEqual([]);
  });

  it('counts another session’s fact in the prompt as a leak, once per fact, even for a failed turn', () => {
    const leaky = request([
      ['user', `${c.of(5, 1)} and ${c.of(5, 1)} and ${c.of(6, 2)}`],
      ['user', 'q'],
    ]);
    const j = judgeLoadTurn(base({ answered: false, reply: null, requests: [leaky] }), c);
    expect(j.leaked).toEqual([
      { canary: c.of(5, 1), session: 's0005' },
      { canary: c.of(6, 2), session: 's0006' },
    ]);
    expect([j.kept, j.lost]).toEqual([0, []]);
  });

  it('an answered turn without a chat request loses every earlier fact', () => {
    const j = judgeLoadTurn(base({ requests: [request([['user', c.of(17, 1)]], 'r1w2', 'embeddings')] }), c);
    expect(j.withoutLlm).toBe(true);
    expect(j.lost.map((l) => l.saidIn)).toEqual(['s0017#1', 's0017#2']);
  });

  it('flags a request that came on another worker’s URL, and an answer carrying another turn’s reply', () => {
    const j = judgeLoadTurn(
      base({ requests: [request([['user', 'q']], 'r2w2')], reply: 'ack s0003#2; saw none' }),
      c,
    );
    expect(j.misattributed).toEqual([
      "request 1 of s0017#3 (sent to r1w2) came on r2w2's URL",
      'the answer to s0017#3 carries the LLM reply of s0003#2',
    ]);
  });
});
