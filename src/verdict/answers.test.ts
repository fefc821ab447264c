import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import type { TurnRecord } from '../types/results.ts';
import { lostAnswers } from './answers.ts';

const AT = { file: 's.yaml', line: 9, column: 5 };

const request = (messages: { role: string; content: string }[], reply: string): RecordedLlmRequest => ({
  seq: 1,
  at: 0,
  scope: 's',
  worker: 'r1w1',
  turnId: 's/t',
  kind: 'chat',
  method: 'POST',
  path: '/chat/completions',
  stream: false,
  messages,
  input: [],
  body: null,
  status: 200,
  reply,
});

/** An earlier turn of `main`: its message and the mock LLM's default reply. */
function said(n: number, user: string, extra: Partial<TurnRecord> = {}): TurnRecord {
  const label = `main#${n}`;
  const reply = `ack ${label}; saw none`;
  return {
    kind: 'turn',
    step: n - 1,
    at: AT,
    session: 'main',
    sessionId: 'x',
    label,
    user,
    worker: 'r1w1',
    replica: 1,
    pid: 100,
    generation: 1,
    incarnation: 1,
    reason: 'pinned',
    after: [],
    startedAt: 0,
    latencyMs: 1,
    status: 200,
    reply,
    llm: [request([{ role: 'user', content: user }], reply)],
    expectations: [],
    passed: true,
    ...extra,
  };
}

const u = (content: string) => ({ role: 'user', content });
const a = (content: string) => ({ role: 'assistant', content });

describe('lostAnswers', () => {
  const first = said(1, 'My name is Ada.');
  const cat = said(2, 'My cat is called Miso.', { together: [{ label: 'main#3', worker: 'r1w2' }] });
  const dog = said(3, 'My dog is called Rex.', {
    worker: 'r1w2',
    together: [{ label: 'main#2', worker: 'r1w1' }],
  });
  const ask = (history: { role: string; content: string }[]) => ({
    llm: [request([...history, u('What are my pets called?')], 'ack main#4')],
    user: 'What are my pets called?',
    at: AT,
  });

  it('names an answer whose message reached the prompt while it did not: a lost update when it was given at once with another turn', () => {
    // A checkpointer saved main#2's message first, then main#3's whole state over main#2's answer.
    const prompt = ask([
      u(first.user),
      a('ack main#1; saw none'),
      u(cat.user),
      u(dog.user),
      a('ack main#3; saw none'),
    ]);
    expect(lostAnswers(prompt, [first, cat, dog])).toEqual([
      {
        kind: 'answer_kept',
        expected: "main#2's answer",
        passed: false,
        message:
          "lost update: main#2 and main#3 were answered at once on r1w1 and r1w2; the user saw main#2's answer (on r1w1), which the app then forgot it gave: main#2's message reached this prompt, its answer did not",
        at: AT,
        saidIn: [{ label: 'main#2', worker: 'r1w1', pid: 100, step: 1 }],
        cause: 'lost-update',
      },
    ]);
  });

  it('owes nothing where the app keeps only user messages, where a window dropped both, or where all is kept', () => {
    expect(lostAnswers(ask([u(first.user), u(cat.user), u(dog.user)]), [first, cat, dog])).toEqual([]);
    expect(lostAnswers(ask([u(dog.user), a('ack main#3; saw none')]), [first, cat, dog])).toEqual([]);
    // A vector memory: the window's last turn with its answer, an older message retrieved as context.
    const retrieved = ask([
      u(dog.user),
      a('ack main#3; saw none'),
      { role: 'system', content: `Context: ${first.user}` },
    ]);
    expect(lostAnswers(retrieved, [first, cat, dog])).toEqual([]);
    const all = [first, cat, dog].flatMap((t) => [u(t.user), a(t.reply as string)]);
    expect(lostAnswers(ask(all), [first, cat, dog])).toEqual([]);
  });

  it('reports a lost answer once, at the first turn that shows it', () => {
    const prompt = ask([
      u(first.user),
      a('ack main#1; saw none'),
      u(cat.user),
      u(dog.user),
      a('ack main#3; saw none'),
    ]);
    const [lost] = lostAnswers(prompt, [first, cat, dog]);
    const shown = { ...said(4, 'What are my pets called?'), expectations: lost ? [lost] : [] };
    const later = [
      u(first.user),
      a('ack main#1; saw none'),
      u(cat.user),
      u(dog.user),
      a('ack main#3; saw none'),
    ];
    const next = {
      llm: [request([...later, u(shown.user), a(shown.reply as string), u('Anything else?')], 'ack main#5')],
      user: 'Anything else?',
      at: AT,
    };
    expect(lostAnswers(next, [first, cat, dog, shown])).toEqual([]);
    expect(lostAnswers(next, [first, cat, dog, { ...shown, expectations: [] }])).toHaveLength(1);
  });
});
