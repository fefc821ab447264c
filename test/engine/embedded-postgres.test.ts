import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedPostgresPool } from '../../src/services/embedded-postgres.ts';
import { PortAllocator } from '../../src/topology/free-port.ts';
import { ProcessRegistry } from '../../src/topology/process-registry.ts';
import { REPO } from '../helpers/cli.ts';

const PG = createRequire(path.join(REPO, 'package.json')).resolve('pg');

/**
 * A pooled client in its own process, as an app worker holds one: parameterized queries (the
 * extended protocol, unnamed prepared statements), half of them inside a transaction on one
 * pooled connection, as LangGraph's checkpointer writes. Prints `{ ok, failed, errors }`.
 */
const CLIENT = `
const { Pool } = require(${JSON.stringify(PG)});
const [url, id] = process.argv.slice(2);
const pool = new Pool({ connectionString: url, max: 4 });
let ok = 0, failed = 0; const errors = [];
const one = async (i) => {
  const tx = i % 2 ? await pool.connect() : undefined;
  const q = tx ?? pool;
  try {
    if (tx) await q.query('BEGIN');
    await q.query('INSERT INTO messages (session, body) VALUES ($1, $2)', ['p' + id + '-' + (i % 4), 'x'.repeat(5000) + i]);
    const r = await q.query('SELECT count(*)::int AS c FROM messages WHERE session = $1', ['p' + id + '-' + (i % 4)]);
    if (r.rows[0].c < 1) throw new Error('row missing');
    if (tx) await q.query('COMMIT');
    ok++;
  } catch (e) { failed++; errors.push(e.message); if (tx) await q.query('ROLLBACK').catch(() => {}); }
  finally { tx?.release(); }
};
(async () => {
  await Promise.all(Array.from({ length: 8 }, async (_, lane) => { for (let i = lane; i < 80; i += 8) await one(i); }));
  await pool.end();
  process.stdout.write(JSON.stringify({ ok, failed, errors: errors.slice(0, 3) }));
})();
`;

function node(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** The ids of the SysV shared memory segments in the system table (`/proc/sysvipc/shm`). */
function segments(): { shmid: string; cpid: string; nattch: number }[] {
  return readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return { shmid: f[1] as string, cpid: f[4] as string, nattch: Number(f[6]) };
    });
}

/**
 * The segments a live server made and still has attached (PostgreSQL makes one; a clean stop
 * removes it). Attached ones only: with pids wrapping at 32768, a server killed earlier in the
 * suite may have left an orphan (0 attached) whose creator pid this server now reuses.
 */
function attachedSegmentsOf(pid: number): string[] {
  return segments()
    .filter((s) => s.cpid === String(pid) && s.nattch > 0)
    .map((s) => s.shmid);
}

describe('postgres: embedded (a real PostgreSQL server from embedded-postgres)', () => {
  it('serves pooled clients of three processes at once (extended protocol, transactions) without a failed query, as a non-root user, and leaves nothing behind', {
    timeout: 180_000,
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-pg-test-'));
    const registry = new ProcessRegistry();
    try {
      // As root the server's user must reach its folder, as the run's services folder allows.
      await chmod(dir, 0o711);
      await mkdir(path.join(dir, 'pool'), { mode: 0o711 });
      const pool = new EmbeddedPostgresPool({
        cwd: REPO,
        env: process.env,
        dir: path.join(dir, 'pool'),
        registry,
        ports: new PortAllocator(),
        maxClients: 12,
        bootTimeoutMs: 120_000,
        engines: ['postgres'],
        wanted: () => false,
      });
      const db = await pool.acquire('postgres');
      const pid = db.proc.pid;
      // PostgreSQL never runs as root: a root run hands it to another user.
      const uid = statSync(`/proc/${pid}`).uid;
      if (process.getuid?.() === 0) expect(uid).not.toBe(0);
      else expect(uid).toBe(process.getuid?.());
      await node([
        '-e',
        `const { Client } = require(${JSON.stringify(PG)}); (async () => { const c = new Client({ connectionString: process.argv[1] }); await c.connect(); await c.query('CREATE TABLE messages (id serial PRIMARY KEY, session text, body text)'); await c.end(); })()`,
        db.url,
      ]);
      const script = path.join(dir, 'client.cjs');
      await writeFile(script, CLIENT);
      const results = (await Promise.all([1, 2, 3].map((id) => node([script, db.url, String(id)])))).map(
        (o) => JSON.parse(o) as { ok: number; failed: number; errors: string[] },
      );
      expect(results.map((r) => r.errors)).toEqual([[], [], []]);
      expect(results.map((r) => r.ok)).toEqual([80, 80, 80]);
      const own = attachedSegmentsOf(pid);
      expect(own).toHaveLength(1);
      await db.release();
      await pool.close();
      // A clean shutdown: the server's shared memory is gone with it.
      expect(segments().filter((s) => own.includes(s.shmid))).toEqual([]);
      expect(registry.live()).toEqual([]);
    } finally {
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
