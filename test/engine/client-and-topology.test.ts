import { describe, expect, it } from 'vitest';
import { run, type TurnRecord } from '../../src/index.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';

const turnsOf = (steps: readonly { kind: string }[]) =>
  steps.filter((s): s is TurnRecord => s.kind === 'turn');

describe('talking to the app and shaping the topology', () => {
  it('keeps a session by cookie, reads an SSE answer, and copies the app folder per replica', async () => {
    const scenario = `name: cookie stream copy
topology: { replicas: 1, workers: 2 }
steps:
  - user: "My name is Ada, and I say \\"hi\\" {{session}}."
  - user: What is my name?
    expect: { recall: [Ada], reply: { matches: /^ack main#2; saw main#1$/ } }
  - scale: { replicas: 2 }
  - user: Still there?
    on: r2w1
    expect: { forget: [Ada] }
`;
    await using project = await basicProject(
      'disk',
      { 'scenarios/s.yaml': scenario },
      {
        app: '  isolation: copy\n',
        top: 'chat:\n  path: /chat/stream\n  json: { message: "{{message}}" }\n  reply: { sse: $.delta }\n',
      },
    );
    const result = await run({ cwd: project.dir });
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    const turns = turnsOf(s?.steps ?? []);
    expect(turns.map((t) => [t.worker, t.passed])).toEqual([
      ['r1w1', true],
      ['r1w2', true],
      ['r2w1', true],
    ]);
    // The message arrived intact (quotes, and a literal {{session}} that is not re-rendered).
    expect(turns[0]?.llm[0]?.messages.at(-1)?.content).toBe('My name is Ada, and I say "hi" {{session}}.');
    expect(turns[1]?.reply).toBe('ack main#2; saw main#1');
    expect(result.exitCode).toBe(0);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a two-session run keeps each session on its own id and cookie jar', async () => {
    const scenario = `name: two jars
topology: { replicas: 1, workers: 2 }
steps:
  - { session: alice, user: "My secret word is pineapple." }
  - { session: bob, user: "My secret word is tangerine." }
  - { session: alice, user: "What is my secret word?", expect: { recall: [pineapple], forget: [tangerine] } }
  - { session: bob, user: "What is my secret word?", expect: { recall: [tangerine], forget: [pineapple] } }
`;
    await using project = await basicProject(
      'disk',
      { 'scenarios/s.yaml': scenario },
      { top: 'chat:\n  json: { message: "{{message}}" }\n' },
    );
    const result = await run({ cwd: project.dir });
    const turns = turnsOf(result.scenarios[0]?.steps ?? []);
    expect(turns.every((t) => t.passed)).toBe(true);
    expect(new Set(turns.map((t) => t.sessionId)).size).toBe(2);
    expect(turns[0]?.sessionId).toMatch(new RegExp(`^amn-${result.runId}-two-jars-alice`));
  });
});
