// The HTTP side every app under test shares (test/apps/CONTRACT.md), so that an app file holds
// only its memory design: POST /chat, GET /healthz, `listening on <port>`, 500 {error} with the
// stack on stderr, and on SIGTERM a drain: stop listening, finish the turns in flight (answered
// and saved), run the app's own shutdown hook, exit.
//
// `transport` picks how the session is named and how the reply is sent; an app that reuses
// another's memory code sets it before importing that app (see postgres-cookie.ts):
//   session 'body'   — JSON {"session_id", "message"} (the default)
//   session 'cookie' — JSON {"message"}, the session in cookie `sid`, minted with Set-Cookie when absent
//   stream false     — 200 {"answer"}
//   stream true      — 200 text/event-stream: `data: {"delta":"…"}` per chunk, then `data: [DONE]`
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { BaseChatEngine } from '@llamaindex/core/chat-engine';
import type { ChatMessage } from '@llamaindex/core/llms';
import type { Memory } from '@llamaindex/core/memory';
import { extractText } from '@llamaindex/core/utils';

export const transport: { session: 'body' | 'cookie'; stream: boolean } = { session: 'body', stream: false };

export type Turn = {
  sessionId: string;
  message: string;
  /**
   * One chat turn: `engine.chat({ message, stream, ...options })`, reading a stream to its end
   * (LlamaIndex stores the assistant turn only then). Returns the answer; the HTTP reply is
   * finished only after the app's handler returns, so whatever it saves is saved first.
   */
  ask(engine: BaseChatEngine, options?: { chatHistory?: ChatMessage[] | Memory }): Promise<string>;
};

type Options = { onShutdown?: () => void | Promise<void> };

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function serve(handler: (turn: Turn) => Promise<void>, options: Options = {}): void {
  // Requests being handled, from arrival to the end of the handler (what it saves after replying too).
  let inFlight = 0;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.method !== 'POST' || req.url !== '/chat')
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not found' }));
    inFlight++;
    void chat(req, res, handler).finally(() => {
      inFlight--;
      if (stopping && inFlight === 0) void exit();
    });
  });
  const port = Number(process.env.PORT ?? 3000);
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening on ${typeof address === 'object' && address ? address.port : port}`);
  });
  let stopping = false;
  let exiting = false;
  const exit = async () => {
    if (exiting) return;
    exiting = true;
    try {
      await options.onShutdown?.();
    } catch (error) {
      console.error(error instanceof Error ? error.stack : error);
    }
    process.exit(0);
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(); // no new connections; the turns in flight finish
    if (inFlight === 0) void exit();
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

async function chat(req: IncomingMessage, res: ServerResponse, handler: (turn: Turn) => Promise<void>) {
  let streaming = false;
  try {
    const body = await readJson(req);
    const message = body.message;
    if (typeof message !== 'string' || !message)
      throw new HttpError(400, '"message" must be a non-empty string');
    let sessionId: string;
    if (transport.session === 'cookie') {
      const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      sessionId = sid ? decodeURIComponent(sid) : randomUUID();
      if (!sid) res.setHeader('set-cookie', `sid=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
    } else {
      if (typeof body.session_id !== 'string' || !body.session_id)
        throw new HttpError(400, '"session_id" must be a non-empty string');
      sessionId = body.session_id;
    }
    let answer = '';
    await handler({
      sessionId,
      message,
      async ask(engine, options) {
        if (!transport.stream) {
          const response = await engine.chat({ message, ...options });
          answer = extractText(response.message.content);
          return answer;
        }
        const stream = await engine.chat({ message, stream: true, ...options });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        streaming = true;
        for await (const chunk of stream) {
          answer += chunk.delta;
          res.write(`data: ${JSON.stringify({ delta: chunk.delta })}\n\n`);
        }
        return answer;
      },
    });
    if (streaming) res.end('data: [DONE]\n\n');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer }));
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    const text = error instanceof Error ? error.message : String(error);
    if (status === 500) console.error(error instanceof Error ? error.stack : error);
    if (streaming) res.end(`event: error\ndata: ${JSON.stringify({ error: text })}\n\n`);
    else if (!res.headersSent)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: text }));
    else res.end();
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  throw new HttpError(400, 'the body must be a JSON object');
}
