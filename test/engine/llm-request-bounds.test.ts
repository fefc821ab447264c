import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummary, run } from '../../src/index.ts';
import { tempFiles } from '../helpers/files.ts';

/** Remembers per session in RAM; a message with `pad` makes its LLM request 20 MB. */
const APP = `import { createServer } from 'node:http';
const history = new Map();
const server = createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', async () => {
    const { session_id, message } = JSON.parse(body);
    const said = history.get(session_id) ?? [];
    said.push({ role: 'user', content: message });
    history.set(session_id, said);
    const messages = message.includes('pad') ? [...said, { role: 'system', content: 'x'.repeat(20 * 2 ** 20) }] : said;
    const r = await fetch(process.env.OPENAI_BASE_URL + '/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
    });
    const json = await r.json();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ answer: json.choices?.[0]?.message?.content ?? json.error?.message }));
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

const CONFIG = `app:
  command: node server.mjs
  ready: { log: listening }
topology: { replicas: 1, workers: 1 }
`;

function sizeOf(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += statSync(path.join(e.parentPath, e.name)).size;
  return total;
}

describe('LLM request bounds', () => {
  it('a 20 MB request is refused (413), fails its turn saying so, is noted, and is not stored', async () => {
    await using project = await tempFiles({
      'server.mjs': APP,
      'amnesia.config.yaml': CONFIG,
      'scenarios/big.yaml':
        'name: big\nsteps:\n  - user: My name is Ada (pad).\n  - user: What is my name (pad)?\n    expect: { recall: [Ada] }\n',
    });
    const rss = process.memoryUsage().rss;
    const result = await run({ cwd: project.dir, probe: 'never' });
    console.log(`RSS grew by ${((process.memoryUsage().rss - rss) / 2 ** 20).toFixed(0)} MiB`);
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    expect(s?.notes).toEqual([
      // Two turns and the control question asked before them.
      '3 LLM requests over llm.max_request (8 MiB) were refused with a 413 and not kept',
    ]);
    const summary = renderSummary(result, { color: false });
    expect(summary).toContain(
      'no chat request read; the body of POST /k/<key>/s/big/w/r1w1/v1/chat/completions is 20 MiB, over llm.max_request (8 MiB); it was not read.',
    );
    expect(sizeOf(s?.artifactsDir ?? '')).toBeLessThan(2 ** 20);
  });

  it('a failing run stores each request body once: whole in the request log, as judged messages in the evidence', async () => {
    await using project = await tempFiles({
      'server.mjs': APP,
      'amnesia.config.yaml': CONFIG,
      'scenarios/once.yaml':
        'name: once\nsteps:\n  - user: My cat is called Miso.\n    expect: { reply: { contains: never said } }\n',
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const dir = result.scenarios[0]?.artifactsDir ?? '';
    const log = readFileSync(path.join(dir, 'llm-requests.jsonl'), 'utf8');
    const evidence = readFileSync(path.join(dir, 'evidence.json'), 'utf8');
    const [request] = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(request).toMatchObject({
      kind: 'chat',
      body: { messages: [{ content: 'My cat is called Miso.' }] },
    });
    expect(request.messages).toBeUndefined();
    const [judged] = JSON.parse(evidence).steps[0].llm;
    expect(judged).toMatchObject({ seq: request.seq, messages: [{ content: 'My cat is called Miso.' }] });
    expect(judged.body).toBeUndefined();
  });
});
