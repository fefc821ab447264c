import { describe, expect, it } from 'vitest';
import { closedPortUrl, serve, type TestServer } from '../../test/support/chat-test-server.ts';
import { type SendChatOptions, sendChat } from './chat-client.ts';
import { CookieJar } from './cookie-jar.ts';
import type { ChatSpec } from './types.ts';

const spec: ChatSpec = {
  method: 'POST',
  path: '/chat',
  headers: {},
  json: { session_id: '{{session}}', message: '{{message}}' },
  reply: { kind: 'json', path: '$.answer' },
  timeoutMs: 10_000,
  maxReplyBytes: 4 * 2 ** 20,
};

function send(target: TestServer | string, options: Partial<SendChatOptions> = {}) {
  return sendChat({
    baseUrl: typeof target === 'string' ? target : target.url,
    spec,
    session: 'amn-run1-pets-main',
    message: 'hello',
    jar: new CookieJar(),
    ...options,
  });
}

describe('sendChat failures', () => {
  it.each([
    ['a JSON body', 'application/json', { kind: 'json', path: '$.answer' }],
    ['an event stream', 'text/event-stream', { kind: 'sse', path: '$.delta', done: '[DONE]' }],
  ] as const)(
    'stops reading %s past chat.max_reply and fails the turn (the app sends 64 MiB)',
    async (_, type, reply) => {
      let written = 0;
      await using server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': type });
        const chunk =
          type === 'application/json' ? 'x'.repeat(65_536) : `data: {"delta":"${'x'.repeat(65_500)}"}\n\n`;
        const more = () => {
          while (written < 64 * 2 ** 20) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        res.on('error', () => {});
        more();
      });
      const result = await send(server, { spec: { ...spec, reply, maxReplyBytes: 2 ** 20 } });
      expect(result.failure?.kind).toBe('garbage');
      expect(result.failure?.message).toMatch(
        /^POST \/chat answered 200 but the answer went past 1 MiB \(chat\.max_reply\): amnesia stopped reading it;/,
      );
      expect(result.body.length).toBeLessThanOrEqual(64 * 1024);
      // It stopped early: the app could not write all 64 MiB into a closed connection.
      expect(written).toBeLessThan(64 * 2 ** 20);
    },
  );

  it('reports a non-2xx status with the start of the body', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"chatHistory.add is not a function"}');
    });
    const result = await send(server);
    expect(result).toMatchObject({
      status: 500,
      reply: null,
      body: '{"error":"chatHistory.add is not a function"}',
      json: { error: 'chatHistory.add is not a function' },
      failure: {
        kind: 'http',
        message:
          'POST /chat answered 500 Internal Server Error: {"error":"chatHistory.add is not a function"}',
      },
    });
  });

  it('names the request as sent, never the template', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"no such conversation"}');
    });
    const result = await send(server, {
      spec: { ...spec, path: '/conversations/{{session}}/messages' },
      session: 'main-7f3a',
    });
    expect(result.failure?.message).toBe(
      'POST /conversations/main-7f3a/messages answered 404 Not Found: {"error":"no such conversation"}',
    );
  });

  it('reports a redirect as an HTTP failure naming where it pointed, without following it', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(302, { location: '/login' });
      res.end();
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'http',
      message: 'POST /chat answered 302 Found (location: /login; redirects are not followed): (empty body)',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 2xx body that is not JSON, on one line and cut at 300 characters', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>\n  <body>${'x'.repeat(400)}</body>\n</html>`);
    });
    const result = await send(server);
    expect(result.failure?.kind).toBe('garbage');
    expect(result.failure?.message).toBe(
      `POST /chat answered 200 but the body is not JSON (reply: $.answer): <html> <body>${'x'.repeat(287)}…`,
    );
    expect(result.body).toContain('\n  <body>');
    expect(result).not.toHaveProperty('json');
  });

  it('reports a reply path missing from the JSON', async () => {
    await using server = await serve((_, res) => res.end('{"text":"hi"}'));
    const result = await send(server);
    expect(result).toMatchObject({
      status: 200,
      reply: null,
      json: { text: 'hi' },
      failure: {
        kind: 'garbage',
        message: 'POST /chat answered 200 but $.answer is missing in {"text":"hi"}',
      },
    });
  });

  it('times out on a worker that never answers', async () => {
    await using server = await serve(() => {});
    const result = await send(server, { spec: { ...spec, timeoutMs: 200 } });
    expect(result).toMatchObject({
      status: null,
      reply: null,
      body: '',
      failure: { kind: 'timeout', message: 'POST /chat: no answer within 200ms (chat.timeout)' },
    });
  });

  it('reports a refused connection', async () => {
    const result = await send(await closedPortUrl());
    expect(result).toMatchObject({
      status: null,
      failure: {
        kind: 'connection',
        message: 'POST /chat: connection refused — is the worker still running?',
      },
    });
  });

  it('reports a worker that closes the connection without answering', async () => {
    await using server = await serve((req, res) => {
      void req;
      res.socket?.destroy();
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'connection',
      message: 'POST /chat: the worker closed the connection without answering — did it crash?',
    });
  });

  it('reports a worker that closes the connection mid-body, with what arrived', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"answer":"half', () => res.socket?.destroy());
    });
    const result = await send(server);
    expect(result).toMatchObject({
      status: 200,
      reply: null,
      body: '{"answer":"half',
      failure: {
        kind: 'connection',
        message:
          'POST /chat answered 200 but the connection closed before the body was complete — did the worker crash? Received 15 bytes: {"answer":"half',
      },
    });
  });

  it('reports a cancelled run as cancelled, not as a timeout or an app failure', async () => {
    const controller = new AbortController();
    await using server = await serve(() => controller.abort());
    const result = await send(server, { signal: controller.signal });
    expect(result).toMatchObject({
      status: null,
      failure: {
        kind: 'cancelled',
        message: 'POST /chat: cancelled before an answer arrived (the run was aborted)',
      },
    });
  });

  it('reports a cancel while the body streams in', async () => {
    const controller = new AbortController();
    await using server = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"delta":"a"}\n\n');
    });
    const result = await sendChat({
      baseUrl: server.url,
      spec: { ...spec, reply: { kind: 'sse', path: '$.delta', done: '[DONE]' } },
      session: 's',
      message: 'm',
      jar: new CookieJar(),
      signal: controller.signal,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        controller.abort();
        return response;
      },
    });
    expect(result).toMatchObject({
      status: 200,
      failure: {
        kind: 'cancelled',
        message: 'POST /chat: cancelled while reading the answer (the run was aborted)',
      },
    });
  });

  it('does not send at all when already cancelled', async () => {
    await using server = await serve((_, res) => res.end('{"answer":"x"}'));
    const result = await send(server, { signal: AbortSignal.abort() });
    expect(result.failure?.kind).toBe('cancelled');
    expect(server.requests).toHaveLength(0);
  });
});
