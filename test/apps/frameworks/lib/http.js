// The HTTP side every framework app shares (test/apps/CONTRACT.md), so that an app file holds only
// the framework's documented memory setup: POST /chat {session_id, message} → 200 {answer},
// GET /healthz, `listening on <port>`, 500 {error} with the stack on stderr, and on SIGTERM a
// drain: stop listening, finish the turns in flight, run the app's shutdown hook, exit.
//
// `handler({ sessionId, message })` returns the answer; the reply is sent when it returns, so
// what the handler awaits is saved before the answer and what it does not await is not.
import { createServer } from 'node:http';

/**
 * @param {(turn: { sessionId: string, message: string }) => Promise<string>} handler
 * @param {{ onShutdown?: () => unknown }} [options]
 */
export function serve(handler, options = {}) {
  let inFlight = 0;
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
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.method !== 'POST' || req.url !== '/chat') return void reply(res, 404, { error: 'not found' });
    inFlight++;
    void chat(req, res, handler).finally(() => {
      inFlight--;
      if (stopping && inFlight === 0) void exit();
    });
  });
  const port = Number(process.env.PORT ?? 3000);
  server.listen(port, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    if (inFlight === 0) void exit();
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

async function chat(req, res, handler) {
  let body;
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return reply(res, 400, { error: 'the body must be a JSON object' });
  }
  const { session_id: sessionId, message } = body ?? {};
  if (typeof sessionId !== 'string' || !sessionId)
    return reply(res, 400, { error: '"session_id" must be a non-empty string' });
  if (typeof message !== 'string' || !message)
    return reply(res, 400, { error: '"message" must be a non-empty string' });
  try {
    reply(res, 200, { answer: await handler({ sessionId, message }) });
  } catch (error) {
    console.error(error instanceof Error ? error.stack : error);
    reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

function reply(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
