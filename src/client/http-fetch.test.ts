import type { ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPortUrl, type ReceivedRequest, serve } from '../../test/support/chat-test-server.ts';
import { sendChat } from './chat-client.ts';
import { CookieJar } from './cookie-jar.ts';
import { httpFetch } from './http-fetch.ts';
import type { ChatResult, ChatSpec } from './types.ts';

const spec: ChatSpec = {
  method: 'POST',
  path: '/chat',
  headers: { 'x-user': '{{session}}' },
  json: { session_id: '{{session}}', message: '{{message}}' },
  reply: { kind: 'json', path: '$.answer' },
  timeoutMs: 2_000,
  maxReplyBytes: 4 * 2 ** 20,
};

const agent = new Agent({ keepAlive: true });
afterAll(() => agent.destroy());

/** The same turn through Node's fetch and through httpFetch; the results must agree. */
async function both(
  handler: (req: ReceivedRequest, res: ServerResponse) => void,
  over: Partial<ChatSpec> = {},
  target?: string,
): Promise<{ viaFetch: ChatResult; viaHttp: ChatResult; jar: CookieJar; seen: ReceivedRequest[] }> {
  await using server = await serve(handler);
  const jar = new CookieJar();
  const send = (fetch?: typeof globalThis.fetch) =>
    sendChat({
      baseUrl: target ?? server.url,
      spec: { ...spec, ...over },
      session: 'amn-run-load-s0001',
      message: 'hello "there"',
      jar,
      ...(fetch ? { fetch } : {}),
    });
  const viaFetch = await send();
  const viaHttp = await send(httpFetch(agent));
  return { viaFetch, viaHttp, jar, seen: server.requests };
}

const same = (r: ChatResult) => ({ status: r.status, reply: r.reply, body: r.body, failure: r.failure });

describe('httpFetch: the chat client over node:http answers as over fetch', () => {
  it('sends the same request and reads a JSON answer, keeping cookies', async () => {
    const { viaFetch, viaHttp, jar, seen } = await both((_req, res) => {
      res.setHeader('set-cookie', ['sid=abc; Path=/', 'theme=dark; Path=/']);
      res.setHeader('content-type', 'application/json');
      res.end('{"answer":"hi"}');
    });
    expect(same(viaHttp)).toEqual(same(viaFetch));
    expect(viaHttp.reply).toBe('hi');
    expect(jar.header()).toBe('sid=abc; theme=dark');
    const [a, b] = seen;
    expect(b?.body).toBe(a?.body);
    expect(b?.body).toBe('{"session_id":"amn-run-load-s0001","message":"hello \\"there\\""}');
    expect(b?.headers['x-user']).toBe('amn-run-load-s0001');
    expect(b?.headers.cookie).toBe('sid=abc; theme=dark');
    expect(b?.headers['content-type']).toBe('application/json');
  });

  it('reads an event stream', async () => {
    const { viaFetch, viaHttp } = await both(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"delta":"he"}\n\n');
        setTimeout(() => res.end('data: {"delta":"llo"}\n\ndata: [DONE]\n\n'), 20);
      },
      { reply: { kind: 'sse', path: '$.delta', done: '[DONE]' } },
    );
    expect(same(viaHttp)).toEqual(same(viaFetch));
    expect(viaHttp.reply).toBe('hello');
  });

  it.each([
    [
      'an error status',
      (_: ReceivedRequest, res: ServerResponse) => res.writeHead(500).end('{"error":"boom"}'),
    ],
    [
      'a redirect (not followed)',
      (_: ReceivedRequest, res: ServerResponse) => res.writeHead(302, { location: '/elsewhere' }).end(),
    ],
    [
      'a connection closed mid-answer',
      (_: ReceivedRequest, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"answer":');
        setTimeout(() => res.socket?.destroy(), 20);
      },
    ],
    [
      'a connection closed without an answer',
      (_: ReceivedRequest, res: ServerResponse) => void res.socket?.destroy(),
    ],
  ])('fails alike on %s', async (_, handler) => {
    const { viaFetch, viaHttp } = await both(handler);
    expect(viaHttp.failure?.kind).toBe(viaFetch.failure?.kind);
    expect(viaHttp.failure?.message).toBe(viaFetch.failure?.message);
    expect(viaHttp.status).toBe(viaFetch.status);
  });

  it('fails alike on a refused connection and on a timeout', async () => {
    const refused = await both(() => {}, {}, await closedPortUrl());
    expect(refused.viaHttp.failure).toEqual(refused.viaFetch.failure);
    expect(refused.viaHttp.failure?.message).toMatch(/connection refused/);
    const late = await both(() => {}, { timeoutMs: 200 });
    expect(late.viaHttp.failure).toEqual(late.viaFetch.failure);
    expect(late.viaHttp.failure?.kind).toBe('timeout');
  });
});
