// The shared PostgreSQL store of the apps that keep memory in DATABASE_URL: a table of LlamaIndex
// memory snapshots (`memory.snapshot()`, a JSON string) keyed by a text key, written whole; and a
// table of messages, one row each, that turns append to (`chat_messages`, read in `id` order).
// Several workers boot at once against one database, and `CREATE TABLE IF NOT EXISTS` itself
// races in PostgreSQL: the losers get 23505 (unique violation on the pg_type row), 42710
// (duplicate object) or 42P07 (duplicate table) — checked with 8 clients on PostgreSQL 15 — and
// each means another worker has just created it.
import type { ChatMessage, MessageContent } from '@llamaindex/core/llms';
import { extractText } from '@llamaindex/core/utils';
import pg from 'pg';

export async function connectPostgres(): Promise<pg.Pool> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const db = new pg.Pool({ connectionString: url, max: 2 });
  db.on('error', (error) => console.error(`postgres: ${error.message}`)); // an idle connection dropped
  for (const table of [
    'chat_memory (session_id text PRIMARY KEY, snapshot text NOT NULL)',
    'chat_messages (id bigserial PRIMARY KEY, session_id text NOT NULL, role text NOT NULL, content text NOT NULL)',
  ]) {
    try {
      await db.query(`CREATE TABLE IF NOT EXISTS ${table}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!['23505', '42710', '42P07'].includes(code ?? '')) throw error;
    }
  }
  return db;
}

type Message = { role: string; content: unknown };

/** A session's messages, oldest first. */
export async function readMessages(db: pg.Pool, key: string): Promise<ChatMessage[]> {
  const { rows } = await db.query(
    'SELECT role, content FROM chat_messages WHERE session_id = $1 ORDER BY id',
    [key],
  );
  return rows;
}

/** Append messages to a session in one statement: rows other requests add meanwhile are kept. */
export async function appendMessages(db: pg.Pool, key: string, messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  const values = messages.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ');
  await db.query(`INSERT INTO chat_messages (session_id, role, content) VALUES ${values}`, [
    key,
    ...messages.flatMap((m) => [m.role, extractText(m.content as MessageContent)]),
  ]);
}
