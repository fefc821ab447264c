import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve, type TestServer } from '../../test/support/chat-test-server.ts';
import { sendChat } from './chat-client.ts';
import { CookieJar } from './cookie-jar.ts';
import type { ChatSpec } from './types.ts';

function sseSpec(done = '[DONE]', path = '$.delta'): ChatSpec {
  return {
    method: 'POST',
    path: '/chat',
    headers: {},
    json: { message: '{{message}}' },
    reply: { kind: 'sse', path, done },
    timeoutMs: 10_000,
    maxReplyBytes: 4 * 2 ** 20,
  };
}

function send(server: TestServer, spec = sseSpec(), timeoutMs = spec.timeoutMs) {
  return sendChat({
    baseUrl: server.url,
    spec: { ...spec, timeoutMs },
    session: 'amn-run1-pets-main',
    message: 'hi',
    jar: new CookieJar(),
  });
}

/** Writes each part once the previous one is flushed, then runs `after`. */
function writeInTurn(res: ServerResponse, parts: (string | Uint8Array)[], after: () => void) {
  const [part, ...rest] = parts;
  if (part === undefined) return after();
  res.write(part, () => writeInTurn(res, rest, after));
}

function streamHead(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

describe('sendChat with an SSE reply', () => {
  it('assembles events split mid-character, with \\r\\n line ends and comments', async () => {
    const bytes = new TextEncoder().encode('data: {"delta":" café"}\r\n\r\n');
    const cut = bytes.indexOf(0xc3) + 1;
    await using server = await serve((_, res) => {
      streamHead(res);
      writeInTurn(
        res,
        [
          ': stream opened\r\n\r\n',
          'event: delta\r\nid: 1\r\ndata: {"delta":"Un"}\r\n\r\n',
          'data: {"del',
          'ta":"e"}\r\n\r\n',
          bytes.slice(0, cut),
          bytes.slice(cut),
          ': keep-alive\r\n\r\n',
          'data: [DONE]\r\n\r\n',
        ],
        () => res.end(),
      );
    });
    const result = await send(server);
    expect(result.failure).toBeUndefined();
    expect(result.reply).toBe('Une café');
    expect(result.status).toBe(200);
    expect(result.body).toContain('data: {"delta":" café"}\r\n');
    expect(result.body.endsWith('data: [DONE]\r\n\r\n')).toBe(true);
    expect(result).not.toHaveProperty('json');
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('stops reading at [DONE] while the server keeps the stream open, and closes the connection', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    await using server = await serve((_, res) => {
      closed = once(res, 'close');
      streamHead(res);
      res.write('data: {"delta":"open"}\n\ndata: [DONE]\n\n');
    });
    const result = await send(server);
    expect(result.reply).toBe('open');
    await closed;
  });

  it('stops at a custom done', async () => {
    await using server = await serve((_, res) => {
      streamHead(res);
      res.write('data: {"t":"a"}\n\ndata: {"t":"b"}\n\ndata: END\n\ndata: {"t":"late"}\n\n');
    });
    const result = await send(server, sseSpec('END', '$.t'));
    expect(result.reply).toBe('ab');
  });

  it('passes an OpenAI-style chunk stream straight through', async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    await using server = await serve((_, res) => {
      streamHead(res);
      res.end(
        [
          chunk({ role: 'assistant', content: 'Your name ' }),
          chunk({ content: 'is Ada.' }),
          chunk({}, 'stop'),
          'data: [DONE]\n\n',
        ].join(''),
      );
    });
    const result = await send(server, sseSpec('[DONE]', '$.choices[0].delta.content'));
    expect(result.reply).toBe('Your name is Ada.');
  });

  it('is garbage when the answer is not text/event-stream, quoting it', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"answer":"not streamed"}');
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'garbage',
      message:
        'POST /chat answered 200 with application/json, not text/event-stream (reply: { sse: $.delta }): {"answer":"not streamed"}',
    });
    expect(result).toMatchObject({ status: 200, reply: null, json: { answer: 'not streamed' } });
  });

  it('is garbage when the stream ends before [DONE]', async () => {
    await using server = await serve((_, res) => {
      streamHead(res);
      res.end('data: {"delta":"cut"}\n\nevent: error\n');
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'garbage',
      message:
        'POST /chat answered 200 but the event stream ended before `data: [DONE]` (reply: { sse: $.delta }), after 1 event',
    });
    expect(result.body).toBe('data: {"delta":"cut"}\n\nevent: error\n');
  });

  it('is garbage for an error event', async () => {
    await using server = await serve((_, res) => {
      streamHead(res);
      res.end('data: {"delta":"a"}\n\nevent: error\ndata: {"error":"LLM quota exceeded"}\n\n');
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'garbage',
      message: 'POST /chat answered 200 but event 2 is `event: error`: {"error":"LLM quota exceeded"}',
    });
  });

  it('reports an HTTP error as such even when it is an event stream', async () => {
    await using server = await serve((_, res) => {
      res.writeHead(503, { 'content-type': 'text/event-stream' });
      res.end('data: {"error":"overloaded"}\n\n');
    });
    const result = await send(server);
    expect(result.failure).toEqual({
      kind: 'http',
      message: 'POST /chat answered 503 Service Unavailable: data: {"error":"overloaded"}',
    });
  });

  it('times out on a stream that stops short of [DONE], with what it received', async () => {
    await using server = await serve((_, res) => {
      streamHead(res);
      res.write('data: {"delta":"thinking"}\n\n');
    });
    const result = await send(server, sseSpec(), 500);
    expect(result.failure).toEqual({
      kind: 'timeout',
      message:
        'POST /chat answered 200 but the body was not complete within 500ms (chat.timeout); received 28 bytes: data: {"delta":"thinking"}',
    });
    expect(result.body).toBe('data: {"delta":"thinking"}\n\n');
  });
});
