// postgres.ts — THE FIX for global-map.ts: each session's last response id in PostgreSQL
// (DATABASE_URL), shared by every worker and replica and kept across restarts and redeploys.
// Simple-protocol queries (values escaped with pg.escapeLiteral), as the basic app does: the safest
// subset for the embedded PostgreSQL (PGlite over TCP).
import pg from 'pg';
import { createTable, serve } from './lib.ts';

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
await createTable(db, 'response_chains (session_id text PRIMARY KEY, response_id text NOT NULL)');
const lit = (value: string) => db.escapeLiteral(value);

serve({
  get: async (sessionId) =>
    (await db.query(`SELECT response_id FROM response_chains WHERE session_id = ${lit(sessionId)}`)).rows[0]
      ?.response_id,
  set: async (sessionId, responseId) => {
    await db.query(
      `INSERT INTO response_chains (session_id, response_id) VALUES (${lit(sessionId)}, ${lit(responseId)}) ` +
        `ON CONFLICT (session_id) DO UPDATE SET response_id = ${lit(responseId)}`,
    );
  },
});
