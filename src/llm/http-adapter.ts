import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** An answer as plain data, written to the socket as it is: one body, or the frames of an event stream. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string | readonly string[];
}

/** A request whose body has arrived: its text, and (built on demand: it costs) a fetch `Request`. */
export interface Incoming {
  text: string;
  request(): Request;
}

/** Answers one request once its body has arrived. */
export type Answer = (incoming: Incoming) => Promise<Response | PlainResponse>;

export interface HttpAdapterOptions {
  host: string;
  port: number;
  /**
   * Called as soon as a request's head arrives, before its body is read: the moment a request is
   * attributed. Returns the function that answers it.
   */
  accept(method: string, url: URL): Answer;
}

export interface ListeningServer {
  /** `http://host:port` */
  readonly url: string;
  /** Idempotent; also ends keep-alive and streaming connections. */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
]);

/**
 * Serves fetch-style answers (msw's `getResponse`) and plain ones over real HTTP with `node:http`.
 * Bodies are read into memory first (chat requests are small, and the recorder and a handler both
 * read them); a response body of known length goes in one write, others are piped as they come, so
 * server-sent events stream.
 */
export async function listen(options: HttpAdapterOptions): Promise<ListeningServer> {
  let origin = '';
  const server = createServer((req, res) => {
    void serve(req, res, new URL(req.url ?? '/', origin), options.accept);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  accept: HttpAdapterOptions['accept'],
) {
  const method = req.method ?? 'GET';
  const answer = accept(method, url);
  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  } catch {
    res.destroy(); // the client went away while sending
    return;
  }
  let response: Response | PlainResponse;
  try {
    response = await answer({
      text: body ? TEXT.decode(body) : '',
      request: () => new Request(url, { method, headers: requestHeaders(req.rawHeaders), body }),
    });
  } catch (error) {
    response = {
      status: 500,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-should-retry': 'false' },
      body: `mock LLM adapter: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  await (response instanceof Response ? send(response, res, method) : sendPlain(response, res, method));
}

function sendPlain(response: PlainResponse, res: ServerResponse, method: string): void {
  const { status, headers, body } = response;
  if (typeof body === 'string' || method === 'HEAD') {
    const bytes = typeof body === 'string' && method !== 'HEAD' ? Buffer.from(body) : Buffer.alloc(0);
    res.writeHead(status, { ...headers, 'content-length': String(bytes.byteLength) });
    res.end(bytes);
    return;
  }
  res.writeHead(status, headers);
  // The frames are all ready: one write (one chunk) instead of one per event; clients read events, not chunks.
  res.end(body.join(''));
}

const TEXT = new TextDecoder();

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function requestHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (!HOP_BY_HOP.has(name)) headers.append(name, raw[i + 1] ?? '');
  }
  return headers;
}

async function send(response: Response, res: ServerResponse, method: string): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  try {
    if (response.body === null || method === 'HEAD') {
      res.writeHead(response.status, headers);
      void response.body?.cancel();
      res.end();
      return;
    }
    if (response.headers.has('content-length')) {
      // A whole body in one write: cheaper than piping a web stream (chat answers are small).
      const bytes = new Uint8Array(await response.arrayBuffer());
      res.writeHead(response.status, { ...headers, 'content-length': String(bytes.byteLength) });
      res.end(bytes);
      return;
    }
    res.writeHead(response.status, headers);
    res.flushHeaders();
    // The client may abort mid-stream: pipeline then cancels the body and rejects; nothing to report.
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
  } catch {
    res.destroy();
  }
}
