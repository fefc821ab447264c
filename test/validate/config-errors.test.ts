import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { load } from '../../src/validate.ts';
import { tempFiles } from '../helpers/files.ts';

const SCENARIO = 'name: s\nsteps:\n  - user: hi\n';

async function configProblems(config: string): Promise<string[]> {
  await using tmp = await tempFiles({ 'amnesia.config.yaml': config, 'scenarios/s.yaml': SCENARIO });
  const { problems } = await load({ cwd: tmp.dir });
  return problems.map(formatProblem);
}

describe('config validation', () => {
  it('accepts a full config and resolves defaults', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': `app:
  command: node server.js
  ready: { log: /listening on \\d+/ }
chat:
  reply: { sse: $.delta }
services:
  db: { postgres: embedded }
  wasm: { postgres: pglite, env: WASM_URL }
  cache: { command: "redis-server --port {{port}}", url: "redis://127.0.0.1:{{port}}", env: REDIS_URL }
  ext: { url: "http://127.0.0.1:1", env: { EXT_URL: "{{url}}/x" } }
load: { max_failed: 0.5% }
`,
      'scenarios/s.yaml': SCENARIO,
    });
    const { problems, config, scenarios } = await load({ cwd: tmp.dir });
    expect(problems).toEqual([]);
    expect(scenarios.map((s) => s.name)).toEqual(['s']);
    expect(config.topology).toEqual({ replicas: 2, workers: 2 });
    expect(config.chat.reply).toEqual({ kind: 'sse', path: '$.delta', done: '[DONE]' });
    expect(config.chat.json).toEqual({ session_id: '{{session}}', message: '{{message}}' });
    expect(config.services.map((s) => [s.name, s.kind, s.env])).toEqual([
      ['db', 'embedded-postgres', { DATABASE_URL: '{{url}}' }],
      ['wasm', 'embedded-postgres', { WASM_URL: '{{url}}' }],
      ['cache', 'command', { REDIS_URL: '{{url}}' }],
      ['ext', 'url', { EXT_URL: '{{url}}/x' }],
    ]);
    expect(config.app.ready.log?.test('listening on 3000')).toBe(true);
    expect(Object.isFrozen(config.app)).toBe(true);
    // `embedded` is a real server, `pglite` the WASM one.
    expect(config.services.flatMap((s) => (s.kind === 'embedded-postgres' ? [s.engine] : []))).toEqual([
      'postgres',
      'pglite',
    ]);
    expect(config.load.maxFailed).toEqual({ percent: 0.5 });
  });

  it('names a load.max_failed that is no share or count', async () => {
    const problems = await configProblems('app: { command: node x }\nload: { max_failed: half }\n');
    expect(problems.join('\n')).toMatch(/load\.max_failed[\s\S]*such as `0\.5%`/);
  });

  it('reports a missing app command', async () => {
    expect(await configProblems('chat: {}\n')).toEqual([
      expect.stringMatching(/^amnesia\.config\.yaml:1:1 app: missing `app`/),
    ]);
  });

  it('reports misspelled keys and unknown placeholders', async () => {
    const out = await configProblems(
      'app:\n  comand: node x\n  command: node x\nchat:\n  json: { id: "{{sesion}}" }\n',
    );
    expect(out).toEqual([
      expect.stringMatching(
        /^amnesia\.config\.yaml:2:3 app\.comand: unknown key `comand` — did you mean `command`\?/,
      ),
    ]);
    const ph = await configProblems('app:\n  command: node x\nchat:\n  json: { id: "{{sesion}}" }\n');
    expect(ph).toEqual([
      expect.stringMatching(
        /^amnesia\.config\.yaml:4:\d+ chat\.json\.id: unknown placeholder `\{\{sesion\}\}`\n {4}hint: placeholders here: \{\{session\}\}, \{\{message\}\}/,
      ),
    ]);
  });

  it("accepts the mock LLM's URLs in app.env and app.command, and lists them in the hint", async () => {
    expect(
      await configProblems(
        'app:\n  command: node x --llm {{llm_chat_url}} --port {{port}}\n  env: { LLM_URL: "{{llm_base_url}}" }\n',
      ),
    ).toEqual([]);
    const ph = await configProblems(
      'app:\n  command: [node, x, "{{llm_url}}"]\n  env: { A: "{{openai}}" }\n',
    );
    const hint =
      'hint: placeholders here: {{replica}}, {{worker}}, {{port}}, {{data_dir}}, {{shared_dir}}, {{llm_base_url}}, {{llm_chat_url}}, {{llm_anthropic_url}}';
    expect(ph).toEqual([
      expect.stringMatching(
        /^amnesia\.config\.yaml:2:\d+ app\.command\[2\]: unknown placeholder `\{\{llm_url\}\}`/,
      ),
      expect.stringMatching(/^amnesia\.config\.yaml:3:\d+ app\.env\.A: unknown placeholder `\{\{openai\}\}`/),
    ]);
    for (const p of ph) expect(p).toContain(hint);
  });

  it('reports a service that is none of the kinds, and a misspelled service kind', async () => {
    const out = await configProblems(
      'app: { command: node x }\nservices:\n  db: { postgress: embedded }\n  q: { image: redis }\n',
    );
    expect(out).toEqual([
      expect.stringMatching(
        /^amnesia\.config\.yaml:3:9 services\.db\.postgress: unknown key `postgress` — did you mean `postgres`\?/,
      ),
      expect.stringMatching(
        /^amnesia\.config\.yaml:4:\d+ services\.q: a service needs one of `postgres`, `redis`, `container`, `command`, `url`; found keys `image`/,
      ),
    ]);
  });

  it('reports scenario targets against the config topology', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': 'app: { command: node x }\ntopology: { replicas: 1, workers: 3 }\n',
      'scenarios/s.yaml': 'name: s\nsteps:\n  - user: hi\n  - crash: r2\n',
    });
    const { problems } = await load({ cwd: tmp.dir });
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /`r2` does not exist: the topology has 1 replica × 3 workers here \(amnesia\.config\.yaml\)/,
      ),
    ]);
  });
});
