import { describe, expect, it } from 'vitest';
import { defaultReply } from './default-reply.ts';
import type { LlmMessage, TurnScope } from './types.ts';

const turn: TurnScope = {
  turnId: 't3',
  session: 'alice',
  label: 'alice#3',
  priorTurns: [
    { label: 'alice#1', text: 'My name is Ada.' },
    { label: 'alice#2', text: 'I am building the Analytical Engine.' },
  ],
};

const user = (content: string): LlmMessage => ({ role: 'user', content });
const assistant = (content: string): LlmMessage => ({ role: 'assistant', content });

describe('defaultReply', () => {
  it('lists the prior turns whose text the request carries', () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      user('My name is Ada.'),
      assistant('ack alice#1; saw none'),
      user('I am building the Analytical Engine.'),
      assistant('ack alice#2; saw alice#1'),
      user('What is my name?'),
    ];
    expect(defaultReply(turn, messages)).toBe('ack alice#3; saw alice#1, alice#2');
  });

  it('finds prior text inside other messages, such as a retrieved-context system message', () => {
    const messages = [
      user('What am I building?'),
      { role: 'system', content: 'Context: "I am building the Analytical Engine." Answer briefly.' },
    ];
    expect(defaultReply(turn, messages)).toBe('ack alice#3; saw alice#2');
  });

  it('does not count the last user message, even when it repeats an earlier turn', () => {
    expect(defaultReply(turn, [user('My name is Ada.')])).toBe('ack alice#3; saw none');
  });

  it('never repeats user text', () => {
    const messages = [user('My name is Ada.'), user('I am building the Analytical Engine.'), user('Well?')];
    const reply = defaultReply(turn, messages);
    for (const text of ['Ada', 'Analytical', 'Well']) expect(reply).not.toContain(text);
  });

  it('says so when no turn is in flight', () => {
    expect(defaultReply(null, [user('hello')])).toBe('ack (no turn)');
  });

  it('sends the scripted reply when the turn has one', () => {
    expect(defaultReply({ ...turn, reply: 'Your name is Ada.' }, [user('Who am I?')])).toBe(
      'Your name is Ada.',
    );
  });
});
