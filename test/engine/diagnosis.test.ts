import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type ScenarioResult, type TurnRecord } from '../../src/index.ts';
import { BASIC_APP, basicProject, leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';

const turns = (s: ScenarioResult | undefined) =>
  (s?.steps ?? []).filter((x): x is TurnRecord => x.kind === 'turn');

/** Five turns on r1w1: a fact, three notes, the question (with its own recall_recent). */
const LONG = `name: long on one worker
steps:
  - { user: "My cat is called Miso.", on: r1w1 }
  - { user: "Note 2 of my diary.", on: r1w1 }
  - { user: "Note 3 of my diary.", on: r1w1 }
  - { user: "Note 4 of my diary.", on: r1w1 }
  - user: What is my cat called?
    on: r1w1
    expect: { recall: [Miso], recall_recent: 2 }
`;

const CROSS_REPLICA = `name: cross replica
steps:
  - { user: "My composer is Hildegard of Bingen.", on: r1w1 }
  - { user: "Who is my composer?", on: r2w1, expect: { recall: [Hildegard] } }
`;

const TWO_TURNS = `name: two turns
topology: { replicas: 1, workers: 1 }
steps:
  - user: My name is Ada.
  - user: What is my name?
    expect: { recall: [Ada] }
`;

/** A config of the basic app written out, for what basicProject's template cannot say. */
const config = (app: string, top = '') => `app:
${app}
  cwd: ${BASIC_APP}
  ready: { log: listening on }
  stop_grace: 2s
${top}`;

describe.concurrent('each failed turn explained by its own evidence (the basic app)', () => {
  it('a history on the local disk, trimmed to 4 messages: row 3 across replicas, the trim (row 4) on one worker', {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject(
      'disk',
      { 'scenarios/long.yaml': LONG, 'scenarios/cross.yaml': CROSS_REPLICA },
      { env: { HISTORY_WINDOW: '4' } },
    );
    const result = await run({ cwd: project.dir });
    const byName = (n: string) => result.scenarios.find((s) => s.name === n);
    const long = byName('long on one worker');
    const cross = byName('cross replica');
    // One ladder for the run: local disk (row 3), rewritten whole by the CC rung's two workers (row 9).
    expect(long?.diagnosis?.signature).toBe('SW ✓ OW ✓ OR ✗ RS ✓ CR ✓ CI ✓ RD ✗ CC ✗');
    expect(long?.diagnosis?.rows.map((r) => r.id)).toEqual(['3', '9']);
    expect(cross?.explanations?.map((e) => [e.label, e.crossing, e.rows])).toEqual([
      ['main#2', ['OR'], ['3']],
    ]);
    const [trimmed] = long?.explanations ?? [];
    expect(trimmed?.rows).toEqual(['4']);
    expect(trimmed?.crossing).toEqual(['SW']);
    const pid = turns(long)[0]?.pid;
    expect(trimmed?.text).toBe(
      `main#5: the history reached the LLM trimmed to the last 4 of 8 messages (main#3–main#4); main#1, where "Miso" was said, is older: a memory window or token limit; this turn's own recall_recent (the last 2 user messages) holds, so the window may be intended. The probe's row 3, 9 does not explain it: since main#1 (r1w1) it stayed on r1w1 (pid ${pid}) with nothing in between, where the probe kept its fact (SW ✓)`,
    );
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('process RAM across a redeploy, two customers at once: no window, each why line about its own session, an isolation line', {
    timeout: 240_000,
  }, async () => {
    const incident = `name: incident
steps:
  - { session: maria, user: "My order number is DS-88213.", on: r1w1 }
  - together:
      - { session: maria, user: "I would like a replacement, not a refund.", on: r1w2 }
      - { session: tom, user: "My order number is TX-4411.", on: r2w1 }
  - redeploy: rolling
  - { session: maria, user: "Are you still there?", on: r1w1 }
  - { session: maria, user: "What is my order number?", on: r1w1, expect: { recall: [DS-88213] } }
  - { session: tom, user: "What is my order number?", on: r1w1, expect: { recall: [TX-4411] } }
`;
    await using project = await basicProject('global', { 'scenarios/incident.yaml': incident });
    for (const probe of ['never', 'always'] as const) {
      const result = await run({ cwd: project.dir, probe });
      const s = result.scenarios[0];
      expect(s?.status).toBe('failed');
      const texts = (s?.explanations ?? []).map((e) => e.text).join('\n');
      expect(texts, `${probe}: ${texts}`).not.toMatch(/trimmed|window/);
      expect((s?.explanations ?? []).flatMap((e) => e.rows)).not.toContain('4');
      if (probe === 'always') {
        expect(s?.explanations?.map((e) => [e.label, e.crossing, e.rows])).toEqual([
          ['maria#4', ['RD'], ['2']],
          ['tom#2', ['OR'], ['2']],
        ]);
        expect(s?.explanations?.find((e) => e.label === 'tom#2')?.text).not.toContain('maria');
      }
      // tom#2 met maria in r1w1's new process; no message of one reached the other.
      expect(s?.isolation).toEqual({ sessions: 2, sharedTurns: 1, facts: 5, leaks: 0 });
    }
  });

  it('a two-message window under turns at once: row 4, and no lost update from the scenario or the CC rung', {
    timeout: 240_000,
  }, async () => {
    const together = `name: together
steps:
  - user: My name is Ada and I am building the Analytical Engine.
  - together:
      - user: My cat is called Miso.
      - user: My dog is called Rex.
  - user: What are my pets called?
    expect: { recall: [Miso, Rex] }
`;
    await using project = await basicProject(
      'postgres',
      { 'scenarios/together.yaml': together },
      { env: { HISTORY_WINDOW: '2' } },
    );
    const result = await run({ cwd: project.dir, probe: 'always' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const cc = s?.diagnosis?.rungs.find((r) => r.rung === 'CC');
    expect(cc?.kept).toBeNull();
    expect(cc?.note).toMatch(/a window or token limit keeps only the latest messages/);
    expect(s?.diagnosis?.rows.map((r) => r.id)).toEqual([]);
    expect(s?.diagnosis?.advice).not.toMatch(/append|transaction/);
    expect(s?.explanations?.map((e) => e.rows)).toEqual([['4']]);
    const texts = (s?.explanations ?? []).map((e) => e.text).join('\n');
    expect(texts).toMatch(/trimmed to the last 2 of 6 messages/);
    expect(texts).not.toContain('lost update');
  });

  it("an app that answers a generic 500: an error (exit 2) that names the app's own words, row 5", {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': TWO_TURNS },
      { env: { TYPE_ERROR: '1' } },
    );
    const result = await run({ cwd: project.dir, probe: 'always' });
    const s = result.scenarios[0];
    expect(result.exitCode).toBe(2);
    expect(s?.status).toBe('error');
    expect(s?.error?.code).toBe('AMNESIA_LLM_NEVER_REACHED');
    expect(s?.error?.message).toBe(
      `no turn was answered: every request to the app failed (first, main#1 on r1w1: POST /chat answered 500 Internal Server Error: {"error":"internal error"}); r1w1's output says: TypeError: chatHistory.add is not a function (likely a type mismatch: a list where a memory object is expected, row 5)`,
    );
    // The ladder could judge no rung; the app's output still names the row.
    expect(result.probe?.diagnosis.rows.map((r) => r.id)).toEqual(['5']);
    expect(result.probe?.diagnosis.advice).toMatch(/: TypeError: chatHistory\.add is not a function$/);
  });

  it('{{llm_base_url}} in app.command and app.env reaches the worker as its own mock LLM URL', {
    timeout: 120_000,
  }, async () => {
    await using project = await tempFiles({
      'amnesia.config.yaml': config(
        '  command: "env OPENAI_BASE_URL={{llm_base_url}} node server.ts"\n  env: { MEMORY_MODE: global, LLM_CHAT: "{{llm_chat_url}}" }',
        'llm: { base_url_env: AMNESIA_LLM_UNUSED }\n',
      ),
      'scenarios/s.yaml': TWO_TURNS,
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('passed');
    expect(turns(s).map((t) => t.llm.map((r) => `${r.kind} ${r.worker}`))).toEqual([
      ['chat r1w1'],
      ['chat r1w1'],
    ]);
  });

  it('an app that never reaches the mock LLM is an error: the path it asked, its base URL, what amnesia serves', {
    timeout: 120_000,
  }, async () => {
    await using project = await tempFiles({
      'amnesia.config.yaml': config(
        // A common slip: the chat URL where the base URL goes; the app appends /chat/completions again.
        '  command: node server.ts\n  env: { MEMORY_MODE: global, OPENAI_BASE_URL: "{{llm_chat_url}}" }',
        'llm: { base_url_env: AMNESIA_LLM_UNUSED }\n',
      ),
      'scenarios/s.yaml': TWO_TURNS,
    });
    const result = await run({ cwd: project.dir });
    const s = result.scenarios[0];
    expect(result.exitCode).toBe(2);
    expect(s?.status).toBe('error');
    expect(s?.diagnosis).toBeUndefined();
    expect(s?.error?.message).toMatch(
      /^no turn was answered: every request to the app failed \(first, main#1 on r1w1: POST \/chat answered 500 Internal Server Error: .*LLM answered 400: .*no handler for POST \/chat\/completions\/chat\/completions under http:\/\/127\.0\.0\.1:\d+\/k\/<key>\/s\/two-turns\/w\/r1w1\/v1 \(worker r1w1's base URL\); amnesia serves POST \/chat\/completions, POST \/responses/,
    );
    expect(s?.steps.filter((x) => x.kind === 'turn')).toHaveLength(2);
  });

  it("a session's first turn comes after nothing; a scenario that stops says which steps did not run", {
    timeout: 120_000,
  }, async () => {
    const scenario = `name: stops at the scale
topology: { replicas: 1, workers: 1 }
steps:
  - { session: a, user: "Hi, I am Ada." }
  - restart
  - { session: b, user: "Hi, I am Bob." }
  - { session: a, user: "Who am I?", expect: { recall: [Ada] } }
  - scale: { workers: 2 }
  - { session: a, user: "Still there?" }
  - crash
  - { session: b, user: "Bye." }
`;
    await using project = await basicProject(
      'global',
      { 'scenarios/s.yaml': scenario },
      { env: { FAIL_BOOT: 'r1w2' } },
    );
    const result = await run({ cwd: project.dir, seed: 3, probe: 'never' });
    const s = result.scenarios[0];
    expect(turns(s).map((t) => [t.label, t.after])).toEqual([
      ['a#1', []],
      ['b#1', []],
      ['a#2', [expect.stringMatching(/^restart all/)]],
    ]);
    expect(s?.error?.code).toBe('AMNESIA_APP_EXITED');
    expect(s?.stopped).toEqual({ at: 'scale to 2 workers', notRun: ['a#3', 'crash all', 'b#2'] });
    // replay.sh goes to the run's folder and names the config.
    const script = await readFile(path.join(s?.artifactsDir ?? '', 'replay.sh'), 'utf8');
    expect(script).toContain(
      `cd ${project.dir} || exit 2\nexec npx amnesia run scenarios/s.yaml --seed 3 -c amnesia.config.yaml --probe never\n`,
    );
  });
});
