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
  /** Set when the body was over `maxBodyBytes`: it was read and dropped (`text` is empty). */
  oversized?: { bytes: number; limit: number };
}

/** Answers one request once its body has arrived. */
export type Answer = (incoming: Incoming) => Promise<Response | PlainResponse>;

export interface HttpAdapterOptions {
  host: string;
  port: number;
  /**
   * Called as soon as a request's head arrives, before its body is read: the moment a request is
   * attributed. Returns the function that answers it, or an answer sent at once (a refusal: the
   * body is then never read, and the connection closes).
   */
  accept(method: string, url: URL): Answer | PlainResponse;
  /** A larger request body is read to its end but not kept. @default Infinity */
  maxBodyBytes?: number;
  /** Connections open at once; more are closed as they come (`onDrop`). @default Infinity */
  maxConnections?: number;
  /** Called for each connection closed because `maxConnections` were open. */
  onDrop?: () => void;
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
  const maxBody = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  // A client that opens a connection and sends nothing is let go within 15 s (a 408), one that
  // trickles a request after a minute: idle sockets must not pile up (each holds a descriptor).
  const timeouts = { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 5_000 };
  const server = createServer(timeouts, (req, res) => {
    void serve(req, res, new URL(req.url ?? '/', origin), options.accept, maxBody);
  });
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  server.on('drop', () => options.onDrop?.());
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
  maxBody: number,
) {
  const method = req.method ?? 'GET';
  const answer = accept(method, url);
  if (typeof answer !== 'function') {
    sendPlain({ ...answer, headers: { ...answer.headers, connection: 'close' } }, res, method);
    return;
  }
  let body: Uint8Array<ArrayBuffer> | undefined;
  let oversized: Incoming['oversized'];
  try {
    const read = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, maxBody);
    if (read && 'over' in read) oversized = { bytes: read.over, limit: maxBody };
    else body = read?.bytes;
  } catch {
    res.destroy(); // the client went away while sending
    return;
  }
  let response: Response | PlainResponse;
  try {
    response = await answer({
      text: body ? TEXT.decode(body) : '',
      request: () => new Request(url, { method, headers: requestHeaders(req.rawHeaders), body }),
      ...(oversized ? { oversized } : {}),
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

/**
 * The body, or how many bytes it had when over `max`: then it is read to its end and dropped (the
 * client reads the refusal only once it has sent everything), so memory stays bounded.
 */
async function readBody(
  req: IncomingMessage,
  max: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer> } | { over: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size <= max) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > max ? { over: size } : { bytes: new Uint8Array(Buffer.concat(chunks)) };
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
