// The shared PostgreSQL store of the apps that keep memory in DATABASE_URL: one table of
// LlamaIndex memory snapshots (`memory.snapshot()`, a JSON string) keyed by a text key.
// Several workers boot at once against one database, and `CREATE TABLE IF NOT EXISTS` itself
// races in PostgreSQL: the losers get 23505 (unique violation on the pg_type row), 42710
// (duplicate object) or 42P07 (duplicate table) — checked with 8 clients on PostgreSQL 15 — and
// each means another worker has just created it.
import pg from 'pg';

export async function connectPostgres(): Promise<pg.Pool> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const db = new pg.Pool({ connectionString: url, max: 2 });
  db.on('error', (error) => console.error(`postgres: ${error.message}`)); // an idle connection dropped
  try {
    await db.query(
      'CREATE TABLE IF NOT EXISTS chat_memory (session_id text PRIMARY KEY, snapshot text NOT NULL)',
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!['23505', '42710', '42P07'].includes(code ?? '')) throw error;
  }
  return db;
}
