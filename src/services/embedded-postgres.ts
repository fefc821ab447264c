import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

async function template(o: EmbeddedPostgresOptions): Promise<string> {
  const pkg = JSON.parse(
    await readFile(path.join(path.dirname(o.serverScript), '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  const dir = path.join(tmpdir(), `amnesia-pglite-template-${pkg.version}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const building = `${dir}.${process.pid}.${Date.now()}`;
  await mkdir(path.dirname(building), { recursive: true });
  const proc = await startProcess({
    name: 'the embedded PostgreSQL template (first run on this machine only)',
    argv: [process.execPath, o.serverScript, '-d', building, '-p', '0', '-h', '127.0.0.1'],
    cwd: tmpdir(),
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
  try {
    await rename(building, dir);
  } catch {
    await rm(building, { recursive: true, force: true }); // another run made it first
  }
  return dir;
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
  /** Kill it and delete its data. */
  release(): Promise<void>;
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
      release: async () => {
        await proc.kill();
        await proc.output.close();
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
