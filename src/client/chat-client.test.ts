import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve, type TestServer } from '../../test/support/chat-test-server.ts';
import { type SendChatOptions, sendChat } from './chat-client.ts';
import { CookieJar } from './cookie-jar.ts';
import type { ChatSpec } from './types.ts';

function spec(overrides: Partial<ChatSpec> = {}): ChatSpec {
  return {
    method: 'POST',
    path: '/chat',
    headers: {},
    json: { session_id: '{{session}}', message: '{{message}}' },
    reply: { kind: 'json', path: '$.answer' },
    timeoutMs: 10_000,
    maxReplyBytes: 4 * 2 ** 20,
    ...overrides,
  };
}

function send(server: TestServer, options: Partial<SendChatOptions> = {}) {
  return sendChat({
    baseUrl: server.url,
    spec: spec(),
    session: 'amn-run1-pets-main',
    message: 'hello',
    jar: new CookieJar(),
    ...options,
  });
}

function reply(res: ServerResponse, body: unknown, headers: Record<string, string | string[]> = {}) {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('sendChat replies', () => {
  it('takes the reply from a JSON path, with the raw body and the parsed JSON', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'Hi Ada', meta: { n: 1 } }));
    let clock = 100;
    const result = await send(server, { now: () => (clock += 25) });
    expect(result).toEqual({
      status: 200,
      reply: 'Hi Ada',
      body: '{"answer":"Hi Ada","meta":{"n":1}}',
      json: { answer: 'Hi Ada', meta: { n: 1 } },
      latencyMs: 25,
      exchange: {
        sent: [],
        set: [],
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
      },
    });
  });

  it('stringifies a reply that is not a string', async () => {
    await using server = await serve((_, res) => reply(res, { data: { items: [{ a: 1 }, 2] } }));
    const result = await send(server, { spec: spec({ reply: { kind: 'json', path: '$.data.items' } }) });
    expect(result.reply).toBe('[{"a":1},2]');
  });

  it('takes the whole body for a text reply, and parses it when it is JSON', async () => {
    await using server = await serve((req, res) =>
      res.end(req.url === '/json' ? '"quoted"' : 'Plain answer\n'),
    );
    const text = await send(server, { spec: spec({ reply: { kind: 'text' } }) });
    expect(text).toMatchObject({ status: 200, reply: 'Plain answer\n', body: 'Plain answer\n' });
    expect(text).not.toHaveProperty('json');
    const json = await send(server, { spec: spec({ path: '/json', reply: { kind: 'text' } }) });
    expect(json).toMatchObject({ reply: '"quoted"', json: 'quoted' });
  });

  it('keeps the first 64 KiB of a large body as evidence but reads all of it', async () => {
    const long = 'é'.repeat(40_000);
    await using server = await serve((_, res) => reply(res, { answer: long }));
    const result = await send(server);
    expect(result.reply).toBe(long);
    expect(Buffer.byteLength(result.body)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(result.body)).toBeGreaterThan(64 * 1024 - 2);
    expect(result.body.endsWith('é')).toBe(true);
  });
});

describe('sendChat requests', () => {
  const tricky = 'He said "hi" \\ {{session}}\nline two\t{{message}} 🦜';

  it('renders {{session}} and {{message}} in headers and JSON without re-rendering the message', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    const result = await send(server, {
      message: tricky,
      spec: spec({
        headers: { 'x-user': 'user-{{session}}', Authorization: 'Bearer token' },
        json: { session_id: '{{session}}', input: { text: '{{message}}', parts: ['{{message}}', 7, null] } },
      }),
    });
    expect(result.failure).toBeUndefined();
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/chat');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-user']).toBe('user-amn-run1-pets-main');
    expect(request?.headers.authorization).toBe('Bearer token');
    expect(request?.headers.accept).not.toBe('text/event-stream');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      session_id: 'amn-run1-pets-main',
      input: { text: tricky, parts: [tricky, 7, null] },
    });
  });

  it('sends a text body as text/plain', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    await send(server, {
      message: tricky,
      spec: spec({ json: undefined, body: '{{session}}: {{message}}' }),
    });
    expect(server.requests[0]?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(server.requests[0]?.body).toBe(`amn-run1-pets-main: ${tricky}`);
  });

  it('lets a configured content-type win', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    await send(server, { spec: spec({ headers: { 'Content-Type': 'application/vnd.chat+json' } }) });
    expect(server.requests[0]?.headers['content-type']).toBe('application/vnd.chat+json');
  });

  it('sends no body with GET, and percent-encodes placeholders in the path', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    const result = await send(server, {
      message: 'a&b=c d/é',
      spec: spec({ method: 'GET', path: '/chat/{{session}}?q={{message}}' }),
    });
    expect(result.reply).toBe('ok');
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.body).toBe('');
    expect(request?.headers['content-length']).toBeUndefined();
    expect(request?.headers['content-type']).toBeUndefined();
    const url = new URL(request?.url ?? '', server.url);
    expect(url.pathname).toBe('/chat/amn-run1-pets-main');
    expect(url.searchParams.get('q')).toBe('a&b=c d/é');
  });

  it('throws, before sending, for a header the message makes invalid (a config mistake)', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    await expect(
      send(server, { message: 'two\nlines', spec: spec({ headers: { 'x-message': '{{message}}' } }) }),
    ).rejects.toThrow('chat.headers: "x-message": "two\\nlines" is not a valid HTTP header');
    expect(server.requests).toHaveLength(0);
  });

  it('throws, before sending, for an unsupported reply path', async () => {
    await using server = await serve((_, res) => reply(res, { answer: 'ok' }));
    await expect(
      send(server, { spec: spec({ reply: { kind: 'json', path: '$..answer' } }) }),
    ).rejects.toThrow('invalid JSON path `$..answer`');
    expect(server.requests).toHaveLength(0);
  });
});

describe('sendChat cookies', () => {
  it("sends a session's cookies to every worker, and forgets deleted ones", async () => {
    await using a = await serve((req, res) => {
      const setCookie =
        req.url === '/logout'
          ? ['theme=; Max-Age=0; Path=/']
          : ['sid=abc123; Path=/; HttpOnly', 'theme=dark'];
      reply(res, { answer: 'ok' }, { 'set-cookie': setCookie });
    });
    await using b = await serve((_, res) => reply(res, { answer: 'ok' }));
    const jar = new CookieJar();
    await send(a, { jar });
    expect(a.requests[0]?.headers.cookie).toBeUndefined();
    await send(b, { jar });
    expect(b.requests[0]?.headers.cookie).toBe('sid=abc123; theme=dark');
    await send(a, { jar, spec: spec({ path: '/logout' }) });
    expect(a.requests[1]?.headers.cookie).toBe('sid=abc123; theme=dark');
    await send(b, { jar });
    expect(b.requests[1]?.headers.cookie).toBe('sid=abc123');
    expect(jar.snapshot()).toEqual({ sid: 'abc123' });
  });

  it('records the cookies sent and set by name, size and hash (never a value), whether one was replaced, and masked headers', async () => {
    await using server = await serve((req, res) =>
      reply(
        res,
        { answer: 'ok' },
        {
          'set-cookie': req.headers.cookie ? ['conv=fresh.sig', 'theme=dark'] : ['conv=kept.sig'],
          'x-session-token': 'abc',
        },
      ),
    );
    const jar = new CookieJar();
    const first = await send(server, { jar });
    expect(first.exchange?.sent).toEqual([]);
    expect(first.exchange?.set).toEqual([
      { name: 'conv', bytes: 8, hash: expect.stringMatching(/^[0-9a-f]{12}$/), replaced: false },
    ]);
    const second = await send(server, { jar });
    expect(second.exchange?.sent).toEqual([{ name: 'conv', bytes: 8, hash: first.exchange?.set[0]?.hash }]);
    expect(second.exchange?.set.map((c) => [c.name, c.bytes, c.replaced])).toEqual([
      ['conv', 9, true],
      ['theme', 4, false],
    ]);
    expect(second.exchange?.headers['x-session-token']).toBe('***');
    expect(second.exchange?.headers['set-cookie']).toBe('***');
    expect(JSON.stringify(second.exchange)).not.toMatch(/fresh|kept\.sig/);
  });

  it('keeps two sessions apart', async () => {
    let n = 0;
    await using server = await serve((_, res) =>
      reply(res, { answer: 'ok' }, { 'set-cookie': `sid=s${++n}` }),
    );
    const alice = new CookieJar();
    const bob = new CookieJar();
    await send(server, { jar: alice });
    await send(server, { jar: bob });
    await send(server, { jar: alice });
    await send(server, { jar: bob });
    expect(server.requests.map((r) => r.headers.cookie)).toEqual([undefined, undefined, 'sid=s1', 'sid=s2']);
  });

  it('stores cookies from error responses and redirects too, and adds them to a configured cookie', async () => {
    await using server = await serve((req, res) => {
      if (req.url === '/fail') {
        res.writeHead(500, { 'set-cookie': 'err=1' });
        res.end('boom');
      } else {
        res.writeHead(302, { location: '/login', 'set-cookie': 'csrf=xyz' });
        res.end();
      }
    });
    const jar = new CookieJar();
    await send(server, { jar, spec: spec({ path: '/fail' }) });
    await send(server, { jar, spec: spec({ path: '/redirect', headers: { cookie: 'fixed=1' } }) });
    expect(server.requests[1]?.headers.cookie).toBe('fixed=1; err=1');
    expect(jar.snapshot()).toEqual({ err: '1', csrf: 'xyz' });
    expect(server.requests).toHaveLength(2);
  });
});
