import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../../src/llm/index.ts';
import type { Leak, TurnRecord } from '../../src/types/results.ts';
import { amnesiaMatchers } from '../../src/vitest/index.ts';
import { withEarlier } from '../../src/vitest/turn-history.ts';

expect.extend(amnesiaMatchers);

const at = (line: number) => ({ file: path.join(process.cwd(), 'test/chat.test.ts'), line, column: 5 });

function chat(messages: [string, string][]): RecordedLlmRequest {
  return {
    seq: 1,
    at: 0,
    scope: 'app',
    worker: 'r1w2',
    turnId: 'app/t1',
    kind: 'chat',
    method: 'POST',
    path: '/chat/completions',
    stream: false,
    messages: messages.map(([role, content]) => ({ role, content })),
    input: [],
    body: null,
    status: 200,
    reply: 'ack',
  };
}

let step = 0;
/** A turn as the harness returns it, its session's earlier turns attached. */
function turn(
  label: string,
  user: string,
  o: {
    worker?: TurnRecord['worker'];
    pid?: number;
    prompt?: [string, string][] | null;
    earlier?: TurnRecord[];
  } = {},
): TurnRecord {
  const [session = ''] = label.split('#');
  const n = step++;
  const record: TurnRecord = {
    kind: 'turn',
    step: n,
    at: at(10 + n),
    session,
    sessionId: `amn-x-app-${session}`,
    label,
    user,
    worker: o.worker ?? 'r1w1',
    replica: 1,
    pid: o.pid ?? 4310,
    generation: 1,
    incarnation: 1,
    reason: 'pinned',
    after: [],
    startedAt: 0,
    latencyMs: 3,
    status: 200,
    reply: 'ack',
    llm: o.prompt === null ? [] : [chat(o.prompt ?? [['user', user]])],
    expectations: [],
    passed: true,
  };
  return withEarlier(record, o.earlier ?? []);
}

const failureOf = (assertion: () => void): string => {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the assertion passed');
};

const said = turn('alice#1', 'My cat is called Miso.');
const recalled = turn('alice#2', 'What is my cat called?', {
  worker: 'r1w2',
  pid: 4312,
  earlier: [said],
  prompt: [
    ['system', 'You are a helpful assistant.'],
    ['user', 'My cat is called Miso.'],
    ['assistant', 'ack alice#1; saw none'],
    ['user', 'What is my cat called?'],
  ],
});
const forgotten = turn('alice#2', 'What is my cat called?', {
  worker: 'r1w2',
  pid: 4312,
  earlier: [said],
  prompt: [
    ['system', 'You are a helpful assistant.'],
    ['user', 'What is my cat called?'],
  ],
});

describe('toRecall', () => {
  it('passes when the prompt holds a fact an earlier turn said, as text or as a RegExp', () => {
    expect(recalled).toRecall('Miso');
    expect(recalled).toRecall(/mi.o/i);
    expect(forgotten).not.toRecall('Miso');
  });

  it('fails naming the forgotten fact, where it was said and what the app sent the LLM', () => {
    expect(failureOf(() => expect(forgotten).toRecall('Miso'))).toBe(
      [
        'expected alice#2 to recall "Miso"',
        'forgot "Miso": said in alice#1 on r1w1, missing from what the app sent the LLM',
        `  alice#2 → r1w2 pid 4312  test/chat.test.ts:${forgotten.at.line}:5`,
        `    said in alice#1 (r1w1 pid 4310)  test/chat.test.ts:${said.at.line}:5`,
        '  prompt (chat request, 2 messages):',
        '    system: You are a helpful assistant.',
        '    user: What is my cat called?',
      ].join('\n'),
    );
  });

  it('negated, fails showing the message that carried the fact', () => {
    expect(failureOf(() => expect(recalled).not.toRecall('Miso'))).toBe(
      [
        'expected alice#2 not to recall "Miso", but it reached the LLM',
        'recalled "Miso" (said in alice#1 on r1w1)',
        `  alice#2 → r1w2 pid 4312  test/chat.test.ts:${recalled.at.line}:5`,
        `    said in alice#1 (r1w1 pid 4310)  test/chat.test.ts:${said.at.line}:5`,
        '    found in message 2 (user): "My cat is called Miso."',
        '  prompt (chat request, 4 messages):',
        '    system: You are a helpful assistant.',
        '    user: My cat is called Miso.',
        '    assistant: ack alice#1; saw none',
        '    user: What is my cat called?',
      ].join('\n'),
    );
  });

  it("does not count the turn's own message", () => {
    const own = turn('alice#2', 'Is Miso my cat?', {
      earlier: [said],
      prompt: [['user', 'Is Miso my cat?']],
    });
    expect(own).not.toRecall('Miso');
  });

  it('fails when no earlier turn said the fact: it would pass without any memory', () => {
    const fromSystemPrompt = turn('alice#2', 'Who are you?', {
      earlier: [said],
      prompt: [
        ['system', 'You are a helpful assistant.'],
        ['user', 'Who are you?'],
      ],
    });
    expect(failureOf(() => expect(fromSystemPrompt).toRecall('helpful'))).toMatch(
      /^expected alice#2 to recall "helpful", but no earlier turn of alice said it: a recall proves memory only of what the conversation said/,
    );
  });

  it('fails either way when the app did not call the LLM, or did not answer', () => {
    const silent = turn('alice#2', 'What is my cat called?', { earlier: [said], prompt: null });
    const head =
      'cannot check alice#2: the app answered alice#2 without calling the LLM, so nothing it remembered can be checked';
    expect(failureOf(() => expect(silent).toRecall('Miso'))).toMatch(new RegExp(`^${head}\n`));
    expect(failureOf(() => expect(silent).not.toRecall('Miso'))).toMatch(new RegExp(`^${head}\n`));
    expect(failureOf(() => expect(silent).toRecall('Miso'))).toContain('  no LLM request during this turn');
    const failed = {
      ...silent,
      failure: { kind: 'timeout' as const, message: 'no answer within 30000 ms', outputTail: [] },
    };
    expect(failureOf(() => expect(failed).not.toRecall('Miso'))).toMatch(
      /^cannot check alice#2: the app did not answer: no answer within 30000 ms\n/,
    );
  });

  it('refuses what is not a turn, and an empty fact', () => {
    expect(() => expect({ reply: 'x' }).toRecall('Miso')).toThrow(
      'toRecall() expects a turn (what session.say() resolves to), got an object with keys reply',
    );
    expect(() => expect(recalled).toRecall('')).toThrow(
      'toRecall(fact): fact must be a non-empty string or a RegExp, got string ""',
    );
  });
});

describe('toForget', () => {
  const bob = turn('bob#1', 'What is my secret word?', {
    prompt: [
      ['user', 'My secret word is pineapple.'],
      ['user', 'What is my secret word?'],
    ],
  });

  it('passes when the fact is nowhere in the prompt', () => {
    expect(bob).toForget('tangerine');
    expect(bob).not.toForget('pineapple');
  });

  it('fails showing where the fact reached the prompt', () => {
    expect(failureOf(() => expect(bob).toForget('pineapple'))).toBe(
      [
        'expected bob#1 to forget "pineapple", but it reached the LLM',
        `  bob#1 → r1w1 pid 4310  test/chat.test.ts:${bob.at.line}:5`,
        '    found in message 1 (user): "My secret word is pineapple."',
        '  prompt (chat request, 2 messages):',
        '    user: My secret word is pineapple.',
        '    user: What is my secret word?',
      ].join('\n'),
    );
    expect(failureOf(() => expect(bob).not.toForget('tangerine'))).toMatch(
      /^expected bob#1 not to forget "tangerine", but it is missing from what the app sent the LLM\n/,
    );
  });
});

describe('toRecallRecent', () => {
  const first = turn('carol#1', 'I like tea.');
  const second = turn('carol#2', 'I live in Porto.', { earlier: [first] });
  const both = turn('carol#3', 'Summarise me.', {
    earlier: [first, second],
    prompt: [
      ['user', 'I like tea.'],
      ['user', 'I live in Porto.'],
      ['user', 'Summarise me.'],
    ],
  });
  const trimmed = turn('carol#3', 'Summarise me.', {
    worker: 'r2w1',
    earlier: [first, second],
    prompt: [
      ['user', 'I live in Porto.'],
      ['user', 'Summarise me.'],
    ],
  });

  it('passes when the last n user messages reached the LLM, older ones may be trimmed', () => {
    expect(both).toRecallRecent(2);
    expect(trimmed).toRecallRecent(1);
  });

  it('fails naming the messages that are missing', () => {
    expect(failureOf(() => expect(trimmed).toRecallRecent(2))).toBe(
      [
        'expected carol#3 to recall the last 2 user messages',
        'forgot 1 of the last 2 user messages: carol#1 (on r1w1)',
        `  carol#3 → r2w1 pid 4310  test/chat.test.ts:${trimmed.at.line}:5`,
        `    said in carol#1 (r1w1 pid 4310)  test/chat.test.ts:${first.at.line}:5`,
        `    said in carol#2 (r1w1 pid 4310)  test/chat.test.ts:${second.at.line}:5`,
        '  prompt (chat request, 2 messages):',
        '    user: I live in Porto.',
        '    user: Summarise me.',
      ].join('\n'),
    );
  });

  it('is typed on expect, and refuses a count that is not a whole number', () => {
    // @ts-expect-error: the count is a number
    expect(() => expect(both).toRecallRecent('2')).toThrow(
      'count must be a whole number of 1 or more, got 2',
    );
  });

  it('fails when the session said fewer messages than asked for', () => {
    expect(failureOf(() => expect(both).toRecallRecent(3))).toMatch(
      /^expected carol#3 to recall the last 3 user messages, but carol said only 2 before it\n/,
    );
  });
});

describe('toHaveLeaked', () => {
  const alice = turn('alice#1', 'My secret word is pineapple.');
  const bob = turn('bob#1', 'What is my secret word?', {
    worker: 'r2w1',
    pid: 4400,
    prompt: [
      ['user', 'My secret word is pineapple.'],
      ['user', 'What is my secret word?'],
    ],
  });
  const leak: Leak = {
    from: { session: 'alice', label: 'alice#1', worker: 'r1w1', step: alice.step },
    into: { session: 'bob', label: 'bob#1', worker: 'r2w1', step: bob.step },
    text: alice.user,
  };

  it('passes negated when no session saw another one’s messages', () => {
    expect({ leaks: () => [], turns: () => [alice] }).not.toHaveLeaked();
  });

  it('fails negated naming each leak and the prompt it reached', () => {
    const app = { leaks: () => [leak], turns: () => [alice, bob] };
    expect(failureOf(() => expect(app).not.toHaveLeaked())).toBe(
      [
        "expected no session's message in another session's prompt, but 1 leaked (memory is not keyed by session)",
        `  leak: alice#1's message "My secret word is pineapple." (said on r1w1) reached the prompt of bob#1 (on r2w1)`,
        `    bob#1 → r2w1 pid 4400  test/chat.test.ts:${bob.at.line}:5`,
        '    found in message 1 (user): "My secret word is pineapple."',
      ].join('\n'),
    );
    expect(failureOf(() => expect({ leaks: () => [], turns: () => [alice, bob] }).toHaveLeaked())).toBe(
      "expected a session's message in another session's prompt, but none of 2 turns in 2 sessions had one",
    );
  });

  it('refuses what is not the app', () => {
    expect(() => expect(alice).not.toHaveLeaked()).toThrow(
      'toHaveLeaked() expects the app startApp() returned',
    );
  });
});
