import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatcher } from '../scenario/matcher.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { type RunningProcess, startProcess } from '../topology/worker-process.ts';

const READY = createMatcher('PGLiteSocketServer listening', { file: 'amnesia', line: 0, column: 0 });

function serverScript(): string {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite-socket'));
  return path.join(path.dirname(entry), 'scripts', 'server.js');
}

export interface EmbeddedPostgresOptions {
  name: string;
  dir: string;
  logFile: string;
  port: number;
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
      serverScript(),
      '-d',
      dataDir,
      '-p',
      String(o.port),
      '-h',
      '127.0.0.1',
      '-m',
      String(o.maxClients + 8),
    ],
    cwd: o.dir,
    env: process.env,
    port: o.port,
    logFile: o.logFile,
    ready: { log: READY },
    bootTimeoutMs: o.bootTimeoutMs,
    bootTimeoutKey: `services.${o.name}.boot_timeout`,
    registry: o.registry,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { url: `postgres://postgres@127.0.0.1:${o.port}/postgres`, proc };
}

async function template(o: EmbeddedPostgresOptions): Promise<string> {
  const pkg = JSON.parse(
    await readFile(path.join(path.dirname(serverScript()), '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  const dir = path.join(tmpdir(), `amnesia-pglite-template-${pkg.version}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const building = `${dir}.${process.pid}.${Date.now()}`;
  await mkdir(path.dirname(building), { recursive: true });
  const proc = await startProcess({
    name: 'the embedded PostgreSQL template (first run on this machine only)',
    argv: [process.execPath, serverScript(), '-d', building, '-p', '0', '-h', '127.0.0.1'],
    cwd: tmpdir(),
    env: process.env,
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
