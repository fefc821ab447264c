// The HTTP side both Responses-API apps share (test/apps/CONTRACT.md): POST /chat, GET /healthz,
// `listening on <port>`, 500 {error} with the stack on stderr, and a drain on SIGTERM. An app file
// holds only where it keeps each session's last response id (or, tools.ts, its own agent loop).
import { createServer } from 'node:http';
import OpenAI from 'openai';
import type pg from 'pg';

/** Where a session's last response id lives: the one design that differs between the apps. */
export interface ChainStore {
  get(sessionId: string): Promise<string | undefined>;
  set(sessionId: string, responseId: string): Promise<void>;
}

const client = new OpenAI({ maxRetries: 0 }); // OPENAI_BASE_URL and OPENAI_API_KEY from amnesia

/**
 * One turn as the OpenAI docs chain a conversation: only the new message goes up, with the previous
 * response's id; the provider keeps the history (`store: true`, the default).
 */
async function ask(store: ChainStore, sessionId: string, message: string): Promise<string> {
  const previous = await store.get(sessionId);
  const response = await client.responses.create({
    model: 'gpt-4o-mini',
    instructions: 'You are a helpful assistant.',
    input: message,
    ...(previous ? { previous_response_id: previous } : {}),
  });
  await store.set(sessionId, response.id);
  return response.output_text;
}

export function serve(store: ChainStore): void {
  serveTurns((sessionId, message) => ask(store, sessionId, message));
}

/** POST /chat → `answer(session_id, message)`; GET /healthz; a drain on SIGTERM. */
export function serveTurns(answer: (sessionId: string, message: string) => Promise<string>): void {
  let inFlight = 0;
  let stopping = false;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.writeHead(200).end('ok');
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || req.url !== '/chat') return reply(404, { error: 'not found' });
    inFlight++;
    void req
      .toArray()
      .then(async (chunks) => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        reply(200, { answer: await answer(String(body.session_id), String(body.message)) });
      })
      .catch((err: Error) => {
        console.error(err.stack ?? err);
        reply(500, { error: err.message });
      })
      .finally(() => {
        inFlight--;
        if (stopping && inFlight === 0) process.exit(0);
      });
  });
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on ${process.env.PORT}`);
  });
  process.on('SIGTERM', () => {
    stopping = true;
    server.close();
    if (inFlight === 0) process.exit(0);
  });
}

/**
 * `CREATE TABLE IF NOT EXISTS` from every worker at once: on a real PostgreSQL the statement itself
 * races, and the losers get 23505 (the pg_type row), 42710 or 42P07; each means another worker has
 * just created the table (as test/apps/llamaindex/lib/db.ts says).
 */
export async function createTable(db: pg.Client, ddl: string): Promise<void> {
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS ${ddl}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!['23505', '42710', '42P07'].includes(code ?? '')) throw error;
  }
}
