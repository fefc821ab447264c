import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult, TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

const APP = path.join(REPO, 'test/apps/responses');

// A fact said on one worker, asked for on others, after a restart and after a redeploy.
const SCENARIO = `name: responses chain
steps:
  - user: My name is Ada Lovelace and I keep bees.
  - user: What is my name?
    expect: { recall: [Ada Lovelace] }
  - restart: r1
  - user: What do I keep?
    expect: { recall: [keep bees] }
`;

function project(app: string, services = '') {
  return tempFiles({
    'amnesia.config.yaml': `app:
  command: node ${app}
  cwd: ${APP}
  ready: { log: listening on }
  stop_grace: 2s
${services}`,
    'scenarios/chain.yaml': SCENARIO,
  });
}

const turns = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');

// Apps on the official openai SDK's Responses API (`previous_response_id`): the mock LLM keeps the
// chain, and judges the context it resolves to; where the app keeps the chain's id decides the verdict.
describe.concurrent('Responses-API apps: the chain id in RAM (row 2) or in PostgreSQL (passes); memory through tools', () => {
  it('the last response id in a process-global Map forgets across workers: row 2', {
    timeout: 240_000,
  }, async () => {
    await using dir = await project('global-map.ts');
    const result = await run({ cwd: dir.dir, artifactsDir: path.join(dir.dir, 'artifacts') });
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    expect(result.exitCode).toBe(1);
    const [said, asked] = turns(result);
    expect(asked?.worker).not.toBe(said?.worker);
    expect(asked?.expectations).toMatchObject([{ kind: 'recall', passed: false }]);
    // Every model call went through the Responses API, and the first turn's was chained from nothing.
    expect(turns(result).flatMap((t) => t.llm.map((r) => r.path))).toEqual([
      '/responses',
      '/responses',
      '/responses',
    ]);
    expect(s?.diagnosis?.rows.map((r) => r.id)).toEqual(['2']);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('the last response id in PostgreSQL: the chain is resolved on every worker, after a restart too', {
    timeout: 240_000,
  }, async () => {
    await using dir = await project('postgres.ts', 'services:\n  db: { postgres: embedded }\n');
    const result = await run({ cwd: dir.dir, artifactsDir: path.join(dir.dir, 'artifacts') });
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    expect(turns(result).map((t) => t.passed)).toEqual([true, true, true]);
    expect(result.exitCode).toBe(0);
    const [, asked, later] = turns(result);
    // What the model had: the resolved chain (turn 1's input and reply), then the new input.
    expect(asked?.llm[0]?.messages.map((m) => m.content)).toEqual([
      'You are a helpful assistant.',
      'My name is Ada Lovelace and I keep bees.',
      'ack main#1; saw none',
      'What is my name?',
    ]);
    expect(asked?.llm[0]?.chain).toMatchObject({ session: 'main', label: 'main#1' });
    expect(later?.reply).toBe('ack main#3; saw main#1, main#2');
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a scripted tool call the app never runs fails the turn, saying so', { timeout: 240_000 }, async () => {
    await using dir = await project('postgres.ts', 'services:\n  db: { postgres: embedded }\n');
    await writeFile(
      path.join(dir.dir, 'scenarios/chain.yaml'),
      `name: tools
topology: { replicas: 1, workers: 1 }
steps:
  - user: My dog is called Rex.
    llm: [{ tool_call: { name: save_memory, arguments: { fact: "dog: Rex" } } }, { text: Saved. }]
`,
    );
    const result = await run({ cwd: dir.dir, artifactsDir: path.join(dir.dir, 'artifacts') });
    const [turn] = turns(result);
    expect(result.exitCode).toBe(1);
    expect(turn?.llm[0]?.toolCalls).toMatchObject([
      { name: 'save_memory', arguments: '{"fact":"dog: Rex"}' },
    ]);
    expect(turn?.expectations).toMatchObject([
      {
        kind: 'tool_result',
        passed: false,
        message: expect.stringContaining('the app never sent its result back to the model'),
      },
    ]);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('memory kept through tools: what the recall tool returned reached the model, on another replica', {
    timeout: 240_000,
  }, async () => {
    await using dir = await project('tools.ts', 'services:\n  db: { postgres: embedded }\n');
    await writeFile(
      path.join(dir.dir, 'scenarios/chain.yaml'),
      `name: tools
steps:
  - user: My dog is called Rex.
    llm: [{ tool_call: { name: save_memory, arguments: { fact: "dog: Rex" } } }, { text: Saved. }]
  - redeploy
  - user: What is my dog called?
    llm: [{ tool_call: { name: recall_memory } }]
    expect: { recall: [Rex] }
`,
    );
    const result = await run({ cwd: dir.dir, artifactsDir: path.join(dir.dir, 'artifacts') });
    const [said, asked] = turns(result);
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(said?.reply).toBe('Saved.');
    expect(asked?.expectations).toMatchObject([
      { kind: 'recall', passed: true },
      { kind: 'tool_result', passed: true },
    ]);
    // The fact came back through the tool: a `tool` message of the turn's second request.
    expect(asked?.llm[1]?.toolResults).toMatchObject([{ output: 'dog: Rex' }]);
    expect(result.exitCode).toBe(0);
    expect(leftovers(result.runId)).toEqual([]);
  });
});
