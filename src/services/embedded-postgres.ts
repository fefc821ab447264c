import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { AbortedError, AmnesiaError } from '../errors.ts';
import { createMatcher } from '../scenario/matcher.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { type RunningProcess, startProcess } from '../topology/worker-process.ts';
import { type OptionalDependency, resolveOptional } from '../util/optional-dependency.ts';

const READY = createMatcher('PGLiteSocketServer listening', { file: 'amnesia', line: 0, column: 0 });
/** `PGLiteSocketServer listening on {"host":"127.0.0.1","port":41234}`: it binds port 0 and says which it got. */
const LISTENING_PORT = /PGLiteSocketServer listening on .*"port":\s*(\d+)/;

/** PGlite is 28 MB: an optional peer dependency, installed by the projects that use it. */
export const PGLITE: OptionalDependency = {
  name: '@electric-sql/pglite-socket',
  version: '0.2.17',
  feature: 'The embedded PostgreSQL (`services: { db: { postgres: embedded } }`)',
};

/** pglite-socket's server script, from the user's project (or amnesia's own installation). */
export function pgliteServerScript(cwd: string): string {
  return path.join(path.dirname(resolveOptional(PGLITE, cwd)), 'scripts', 'server.js');
}

export interface EmbeddedPostgresOptions {
  /** From `pgliteServerScript()`. */
  serverScript: string;
  env: NodeJS.ProcessEnv;
  name: string;
  dir: string;
  logFile: string;
  maxClients: number;
  bootTimeoutMs: number;
  registry: ProcessRegistry;
  signal?: AbortSignal;
}

/**
 * PostgreSQL compiled to WASM (PGlite) served over TCP by pglite-socket: nothing to install.
 * A fresh data directory costs an initdb (seconds of WASM work), so one initialised template
 * per machine and PGlite version is made once and copied for each scenario (about 8× faster).
 */
export async function startEmbeddedPostgres(
  o: EmbeddedPostgresOptions,
): Promise<{ url: string; proc: RunningProcess }> {
  const dataDir = path.join(o.dir, `${o.name}-data`);
  await cp(await template(o), dataDir, { recursive: true });
  const proc = await startProcess({
    name: `service ${o.name} (embedded PostgreSQL)`,
    // PGlite serves one connection at a time by default; every worker holds one.
    argv: [
      process.execPath,
      o.serverScript,
      '-d',
      dataDir,
      // Port 0: the server binds a port the OS gives it and prints it, so no other process can take
      // it between a pick and the bind.
      '-p',
      '0',
      '-h',
      '127.0.0.1',
      '-m',
      String(o.maxClients + 8),
    ],
    cwd: o.dir,
    env: o.env,
    port: 0,
    portFromOutput: LISTENING_PORT,
    logFile: o.logFile,
    ready: { log: READY },
    bootTimeoutMs: o.bootTimeoutMs,
    bootTimeoutKey: `services.${o.name}.boot_timeout`,
    registry: o.registry,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { url: `postgres://postgres@127.0.0.1:${proc.port}/postgres`, proc };
}

/**
 * Where the template lives: this user's cache folder (mode 0700), never a shared temp folder,
 * where another user could plant a data directory for amnesia to copy and trust.
 */
async function cacheDir(): Promise<string> {
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'amnesia');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if (process.getuid && st.uid !== process.getuid())
    throw new AmnesiaError(
      'AMNESIA_ENVIRONMENT',
      `${dir} belongs to another user: amnesia keeps its embedded PostgreSQL template there and will not trust it; remove it or set XDG_CACHE_HOME`,
    );
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return dir;
}

async function template(o: EmbeddedPostgresOptions): Promise<string> {
  const pkg = JSON.parse(
    await readFile(path.join(path.dirname(o.serverScript), '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  const dir = path.join(await cacheDir(), `pglite-template-${pkg.version}`);
  const ready = () => existsSync(path.join(dir, 'PG_VERSION'));
  if (ready()) return dir;
  // One builder at a time (parallel runs, test files): the others wait for its template.
  await withLock(`${dir}.lock`, o.signal, async () => {
    if (ready()) return;
    const building = `${dir}.${process.pid}.${Date.now()}`;
    const proc = await startProcess({
      name: 'the embedded PostgreSQL template (first run on this machine only)',
      argv: [process.execPath, o.serverScript, '-d', building, '-p', '0', '-h', '127.0.0.1'],
      cwd: path.dirname(dir),
      env: o.env,
      port: 0,
      logFile: `${o.logFile}.template`,
      ready: { log: READY },
      bootTimeoutMs: Math.max(o.bootTimeoutMs, 120_000),
      bootTimeoutKey: `services.${o.name}.boot_timeout`,
      registry: o.registry,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    // A graceful stop flushes the data directory, so copies start from a consistent state.
    await proc.stop(30_000);
    await proc.output.close();
    await rename(building, dir);
  });
  return dir;
}

/**
 * Run `work` holding a lock folder (mkdir is atomic). A lock older than 10 minutes was left by a
 * run that died while building: it is taken over.
 */
async function withLock(
  lock: string,
  signal: AbortSignal | undefined,
  work: () => Promise<void>,
): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      else
        await setTimeout(200, undefined, signal ? { signal } : {}).catch(() => {
          throw new AbortedError('waiting for the embedded PostgreSQL template');
        });
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export interface PoolOptions {
  /** The project folder, where pglite-socket is installed. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the pool's data directories go (the run's scratch space). */
  dir: string;
  registry: ProcessRegistry;
  maxClients: number;
  bootTimeoutMs: number;
  /** Whether another scenario will want a database (else no spare is warmed). */
  wanted: () => boolean;
  signal?: AbortSignal;
}

export interface PooledPostgres {
  url: string;
  proc: RunningProcess;
  /** Kill it and delete its data; its log is copied to `keepLog` first, when given (the artifacts). */
  release(keepLog?: string): Promise<void>;
}

/**
 * Keeps one embedded PostgreSQL booted ahead of need: starting PGlite costs seconds of WASM
 * work, and a run of many scenarios would otherwise wait for it before every one.
 */
export class EmbeddedPostgresPool {
  private readonly o: PoolOptions;
  private spare: Promise<PooledPostgres> | undefined;
  private count = 0;

  private readonly serverScript: string;

  /** Throws MissingDependencyError (exit 2) at once when pglite-socket is not installed. */
  constructor(o: PoolOptions) {
    this.o = o;
    this.serverScript = pgliteServerScript(o.cwd);
  }

  async acquire(): Promise<PooledPostgres> {
    const mine = this.spare ?? this.start();
    this.spare = undefined;
    const db = await mine;
    if (this.o.wanted()) this.warm();
    return db;
  }

  private warm(): void {
    const spare = this.start();
    spare.catch(() => {}); // surfaced by the acquire that takes it
    this.spare = spare;
  }

  private async start(): Promise<PooledPostgres> {
    const n = ++this.count;
    const dir = path.join(this.o.dir, `postgres-${n}`);
    await mkdir(dir, { recursive: true });
    const { url, proc } = await startEmbeddedPostgres({
      serverScript: this.serverScript,
      env: this.o.env,
      name: `embedded-postgres-${n}`,
      dir,
      logFile: path.join(dir, 'pglite.log'),
      maxClients: this.o.maxClients,
      bootTimeoutMs: this.o.bootTimeoutMs,
      registry: this.o.registry,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    return {
      url,
      proc,
      release: async (keepLog) => {
        await proc.kill();
        await proc.output.close();
        if (keepLog) await copyFile(proc.output.path, keepLog).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /** Kill the spare, if any. */
  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    const db = await spare?.catch(() => undefined);
    await db?.release();
  }
}
