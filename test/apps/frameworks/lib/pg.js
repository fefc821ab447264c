// PostgreSQL for the apps that keep memory there themselves (DATABASE_URL). Several workers boot at
// once against one database, and `CREATE TABLE IF NOT EXISTS` itself races in PostgreSQL: the
// losers get 23505, 42710 or 42P07, each meaning another worker has just created it.
import pg from 'pg';
import { databaseUrl } from './env.js';

/** A pool on DATABASE_URL with `table` (a CREATE TABLE body) created. */
export async function connect(table) {
  const db = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  db.on('error', (error) => console.error(`postgres: ${error.message}`));
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS ${table}`);
  } catch (error) {
    if (!['23505', '42710', '42P07'].includes(error.code)) throw error;
  }
  return db;
}
