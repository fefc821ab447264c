import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import { parseScenario } from '../scenario/load.ts';
import type { TurnStep } from '../scenario/types.ts';
import { judgeTurn } from './expectations.ts';
import { findLeaks } from './leaks.ts';
import { findVacuous } from './vacuity.ts';

const DEFAULTS = { topology: { replicas: 2, workers: 2 }, topologySource: 'test' };

function turns(yaml: string): TurnStep[] {
  const { scenario, problems } = parseScenario('t.yaml', yaml, DEFAULTS);
  if (!scenario) throw new Error(problems.map((p) => p.message).join('\n'));
  return scenario.steps.filter((s): s is TurnStep => s.kind === 'turn');
}

function chat(messages: [string, string][]): RecordedLlmRequest {
  return {
    seq: 1,
    at: 0,
    scope: 's',
    worker: 'r1w2',
    turnId: 't',
    kind: 'chat',
    method: 'POST',
    path: '/chat/completions',
    stream: false,
    messages: messages.map(([role, content]) => ({ role, content })),
    input: [],
    body: null,
    status: 200,
    reply: 'ok',
  };
}

const earlier = [
  { label: 'main#1', user: 'My name is Ada and I like tea.', worker: 'r1w1' as const, pid: 10, step: 0 },
];

function judge(expect: string, llm: RecordedLlmRequest[], reply: string | null = 'ok', json?: unknown) {
  const [, step] = turns(
    `name: t\nsteps:\n  - user: My name is Ada and I like tea.\n  - user: What is my name?\n    expect: ${expect}\n`,
  );
  return judgeTurn({ step: step as TurnStep, earlier, llm, reply, json, answered: reply !== null });
}

describe('judgeTurn', () => {
  it('recall passes when the earlier text is in the prompt, and names where it was said', () => {
    const [r] = judge('{ recall: [Ada] }', [
      chat([
        ['user', 'My name is Ada and I like tea.'],
        ['user', 'What is my name?'],
      ]),
    ]);
    expect(r).toMatchObject({
      kind: 'recall',
      passed: true,
      saidIn: [{ label: 'main#1', worker: 'r1w1', pid: 10, step: 0 }],
    });
  });

  it('recall fails when only the turn’s own message has the text', () => {
    const [step] = turns('name: t\nsteps:\n  - user: I am Ada.\n  - user: Is Ada here?\n');
    const own = turns(
      'name: t\nsteps:\n  - user: I am Ada.\n  - user: What of it?\n    expect: { recall: [Ada] }\n',
    )[1] as TurnStep;
    const result = judgeTurn({
      step: { ...own, user: 'Say hello to Ada.' },
      earlier: [{ label: 'main#1', user: (step as TurnStep).user, worker: 'r1w1', pid: 1, step: 0 }],
      llm: [chat([['user', 'Say hello to Ada.']])],
      reply: 'ok',
      json: undefined,
      answered: true,
    });
    expect(result[0]?.passed).toBe(false);
    expect(result[0]?.message).toBe(
      'forgot "Ada": said in main#1 on r1w1, missing from what the app sent the LLM',
    );
  });

  it('recall with a regex, and forget', () => {
    const llm = [
      chat([
        ['system', 'You help.'],
        ['user', 'my name is ADA'],
        ['user', 'What is my name?'],
      ]),
    ];
    expect(judge('{ recall: ["/ada/i"], forget: [tea] }', llm).map((r) => [r.kind, r.passed])).toEqual([
      ['recall', true],
      ['forget', true],
    ]);
    const leaky = [
      chat([
        ['user', 'tea time'],
        ['user', 'What is my name?'],
      ]),
    ];
    expect(judge('{ forget: [tea] }', leaky)[0]).toMatchObject({
      passed: false,
      message: '"tea" reached the LLM but must not',
    });
  });

  it('a turn that never called the LLM cannot recall', () => {
    expect(judge('{ recall: [Ada] }', []).map((r) => [r.kind, r.passed])).toEqual([
      ['llm_called', false],
      ['recall', false],
    ]);
  });

  it('recall_recent wants each of the last N user messages', () => {
    const [, step] = turns(
      'name: t\nsteps:\n  - user: one two three\n  - user: And now?\n    expect: { recall_recent: 2 }\n',
    );
    const e = [
      { label: 'main#1', user: 'first message here', worker: 'r1w1' as const, pid: 1, step: 0 },
      { label: 'main#2', user: 'second message here', worker: 'r2w1' as const, pid: 2, step: 1 },
      { label: 'main#3', user: 'third message here', worker: 'r1w2' as const, pid: 3, step: 2 },
    ];
    const base = { step: step as TurnStep, earlier: e, reply: 'ok', json: undefined, answered: true };
    expect(
      judgeTurn({
        ...base,
        llm: [
          chat([
            ['user', 'second message here'],
            ['user', 'third message here'],
          ]),
        ],
      })[0]?.passed,
    ).toBe(true);
    const r = judgeTurn({ ...base, llm: [chat([['user', 'third message here']])] })[0];
    expect(r).toMatchObject({
      kind: 'recall_recent',
      passed: false,
      message: 'forgot 1 of the last 2 user messages: main#2 (on r2w1)',
    });
  });

  it('reply checks: contains, not_contains, matches, equals and JSON paths', () => {
    const expectations =
      '{ reply: { contains: [Ada], not_contains: [Bob], matches: "/^Your/", equals: "Your name is Ada.", json: [{ path: $.answer, contains: Ada }, { path: $.score, equals: 3 }, { path: $.missing, exists: false }] } }';
    const ok = judge(expectations, [chat([['user', 'x']])], 'Your name is Ada.', {
      answer: 'Your name is Ada.',
      score: 3,
    });
    expect(ok.every((r) => r.passed)).toBe(true);
    const bad = judge(expectations, [chat([['user', 'x']])], 'I am Bob.', {
      answer: 'Bob',
      score: 4,
      missing: 1,
    });
    expect(bad.filter((r) => !r.passed).map((r) => r.expected)).toEqual([
      'contains "Ada"',
      'not_contains "Bob"',
      'matches /^Your/',
      'equals "Your name is Ada."',
      'json $.answer contains "Ada"',
      'json $.score equals 3',
      'json $.missing exists: false',
    ]);
  });
});

describe('findLeaks', () => {
  it('finds a whole message of one session in another session’s request', () => {
    const base = {
      kind: 'turn' as const,
      at: { file: 'f', line: 1, column: 1 },
      sessionId: 'x',
      replica: 1,
      pid: 1,
      generation: 1,
      incarnation: 1,
      reason: '',
      after: [],
      startedAt: 0,
      latencyMs: 1,
      status: 200,
      reply: 'ok',
      expectations: [],
      passed: true,
    };
    const alice = {
      ...base,
      step: 0,
      session: 'alice',
      label: 'alice#1',
      user: 'My secret word is pineapple.',
      worker: 'r1w1' as const,
      llm: [],
    };
    const bob = {
      ...base,
      step: 1,
      session: 'bob',
      label: 'bob#1',
      user: 'What is my secret word?',
      worker: 'r2w1' as const,
      llm: [
        chat([
          ['user', 'My secret word is pineapple.'],
          ['user', 'What is my secret word?'],
        ]),
      ],
    };
    expect(findLeaks([alice, bob])).toEqual([
      {
        from: { session: 'alice', label: 'alice#1', worker: 'r1w1', step: 0 },
        into: { session: 'bob', label: 'bob#1', worker: 'r2w1', step: 1 },
        text: 'My secret word is pineapple.',
      },
    ]);
    expect(findLeaks([alice, { ...bob, session: 'alice' }])).toEqual([]);
    // A chain another session started (previous_response_id) is a leak, even with only short texts in it.
    const short = { ...alice, user: 'Hi.' };
    const chained = {
      ...bob,
      llm: [{ ...chat([['user', 'Hi.']]), chain: { id: 'resp_1', session: 'alice', label: 'alice#1' } }],
    };
    expect(findLeaks([short, chained])).toEqual([
      {
        from: { session: 'alice', label: 'alice#1', worker: 'r1w1', step: 0 },
        into: { session: 'bob', label: 'bob#1', worker: 'r2w1', step: 1 },
        text: 'the provider-side context resp_1 (previous_response_id or conversation) that alice#1 started',
      },
    ]);
  });
});

describe('findVacuous', () => {
  it('flags a recall already in a fresh session’s prompt, and where', () => {
    const [, step] = turns(
      'name: t\nsteps:\n  - user: I want a helpful assistant.\n  - user: What do I want?\n    expect: { recall: [helpful assistant] }\n',
    );
    const found = findVacuous(step as TurnStep, [
      chat([
        ['system', 'You are a helpful assistant.'],
        ['user', 'What do I want?'],
      ]),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        expected: 'helpful assistant',
        foundIn: 'the system message',
        question: 'What do I want?',
        excerpt: 'You are a helpful assistant.',
      }),
    ]);
    expect(
      findVacuous(step as TurnStep, [
        chat([
          ['system', 'Be brief.'],
          ['user', 'What do I want?'],
        ]),
      ]),
    ).toEqual([]);
  });

  describe('a scripted tool call (`llm:`)', () => {
    const [step] = turns(
      'name: t\nsteps:\n  - user: My dog is Rex.\n    llm: [{ tool_call: { name: save_memory } }, { text: Saved. }]\n',
    );
    const call = { id: 'call_amnesia_t_t0_1', name: 'save_memory', arguments: '{}' };
    const asked: RecordedLlmRequest = { ...chat([['user', 'My dog is Rex.']]), toolCalls: [call], reply: '' };
    const judged = (llm: RecordedLlmRequest[]) =>
      judgeTurn({
        step: step as TurnStep,
        earlier: [],
        llm,
        reply: 'Saved.',
        json: undefined,
        answered: true,
      });

    it('passes when the app sent the result back to the model', () => {
      const back = { ...chat([['tool', 'saved']]), toolResults: [{ id: call.id, output: 'saved' }] };
      expect(judged([asked, back])).toMatchObject([
        {
          kind: 'tool_result',
          passed: true,
          message: 'the app ran save_memory and sent its result back to the model',
        },
      ]);
    });

    it('fails, saying so, when the app never sent the result back', () => {
      expect(judged([asked])).toMatchObject([
        {
          kind: 'tool_result',
          passed: false,
          message: expect.stringContaining(
            'the LLM called save_memory (call_amnesia_t_t0_1) as scripted, and the app never sent its result back',
          ),
        },
      ]);
    });

    it('fails when the app stopped calling the LLM before the call was made', () => {
      expect(judged([chat([['user', 'My dog is Rex.']])])).toMatchObject([
        { kind: 'tool_result', passed: false, message: expect.stringContaining('was never made') },
      ]);
    });
  });
});
