import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm } from './index.ts';

const running: MockLlm[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((llm) => llm.stop()));
});

/** Requests of every kind the defaults answer, and some they refuse. */
const REQUESTS: [string, string, unknown?][] = [
  [
    'POST',
    '/s/a/w/r1w1/v1/chat/completions',
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  ],
  [
    'POST',
    '/s/a/w/r1w1/v1/chat/completions',
    {
      messages: [{ role: 'user', content: 'stream it please' }],
      stream: true,
      stream_options: { include_usage: true },
    },
  ],
  ['POST', '/v1/embeddings', { input: ['a cat', 'a dog'], encoding_format: 'base64' }],
  ['POST', '/v1/embeddings', { input: 'plain floats', dimensions: 8 }],
  ['GET', '/v1/models'],
  ['GET', '/v1/models/'],
  ['GET', '/v1/models/gpt-4o-mini/'],
  ['GET', '/v1/models/gpt-4o-mini'],
  ['GET', '/v1/models/nope'],
  ['POST', '/v1/chat/completions', '{not json'],
  ['POST', '/v1/chat/completions', { model: 'x' }],
  ['POST', '/v1/chat/completions?api-version=1', { messages: [{ role: 'user', content: 'q' }] }],
  ['POST', '/v1/unknown', { a: 1 }],
  ['POST', '/v1/chat/completions/', { messages: [{ role: 'user', content: 'q' }] }],
  ['POST', '/other/v1/embeddings', { input: 'x' }],
  ['GET', '/v1/chat/completions'],
  ['DELETE', '/v1/models/gpt-4o-mini'],
];

async function answers(llm: MockLlm): Promise<string[]> {
  const out: string[] = [];
  for (const [method, path, body] of REQUESTS) {
    const res = await fetch(`${llm.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = (await res.text())
      .replace(/"created":\d+/g, '"created":0')
      .replaceAll(llm.url, '<llm>')
      .replaceAll(llm.origin, '<origin>');
    out.push(`${res.status} ${res.headers.get('content-type')} ${res.headers.get('x-should-retry')} ${text}`);
  }
  return out;
}

describe('the defaults answer the same with msw (a user handler present) and without it', () => {
  it('gives byte for byte the same answers, and records the same requests', async () => {
    const direct = await startMockLlm();
    running.push(direct);
    // A user handler that never matches: every request goes through msw to the defaults.
    const viaMsw = await startMockLlm({ handlers: [http.post('*/never', () => HttpResponse.text('x'))] });
    running.push(viaMsw);
    const [a, b] = [await answers(direct), await answers(viaMsw)];
    expect(a).toEqual(b);
    expect(a[0]).toMatch(/^200 application\/json null .*"content":"ack \(no turn\)"/);
    expect(a[1]).toMatch(/^200 text\/event-stream; charset=utf-8 null data: .*data: \[DONE\]\n\n$/s);
    expect(a.at(-1)).toMatch(
      /^400 application\/json false .*no handler for DELETE \/models\/gpt-4o-mini under <origin>\/k\/<key>\/v1;/,
    );
    const records = (llm: MockLlm) =>
      llm
        .requests()
        .map(({ seq, kind, path, status, reply, stream }) => ({ seq, kind, path, status, reply, stream }));
    expect(records(direct)).toEqual(records(viaMsw));
  });
});
