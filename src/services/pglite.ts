import { existsSync } from 'node:fs';
import { cp, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { createMatcher } from '../scenario/matcher.ts';
import { type RunningProcess, startProcess } from '../topology/worker-process.ts';
import { type OptionalDependency, resolveOptional } from '../util/optional-dependency.ts';
import type { DatabaseServerOptions } from './server-options.ts';
import { cacheDir, withLock } from './template-cache.ts';

const READY = createMatcher('PGLiteSocketServer listening', { file: 'amnesia', line: 0, column: 0 });
/** `PGLiteSocketServer listening on {"host":"127.0.0.1","port":41234}`: it binds port 0 and says which it got. */
const LISTENING_PORT = /PGLiteSocketServer listening on .*"port":\s*(\d+)/;

/** PGlite is 28 MB: an optional peer dependency, installed by the projects that use it. */
export const PGLITE: OptionalDependency = {
  name: '@electric-sql/pglite-socket',
  version: '0.2.17',
  feature: 'PGlite (`services: { db: { postgres: pglite } }`)',
};

/** pglite-socket's server script, from the user's project (or amnesia's own installation). */
export function pgliteServerScript(cwd: string): string {
  return path.join(path.dirname(resolveOptional(PGLITE, cwd)), 'scripts', 'server.js');
}

export interface PgliteOptions extends DatabaseServerOptions {
  /** From `pgliteServerScript()`. */
  serverScript: string;
}

/**
 * PostgreSQL compiled to WASM (PGlite) served over TCP by pglite-socket (`postgres: pglite`): one
 * process, no native binaries, but about 800 MB of memory per server and no unnamed prepared
 * statements shared by pooled clients (see bench/embedded-postgres-bench.ts).
 * A fresh data directory costs an initdb (seconds of WASM work), so one initialised template
 * per machine and PGlite version is made once and copied for each scenario (about 8× faster).
 */
export async function startPglite(o: PgliteOptions): Promise<{ url: string; proc: RunningProcess }> {
  const dataDir = path.join(o.dir, `${o.name}-data`);
  await cp(await template(o), dataDir, { recursive: true });
  const proc = await startProcess({
    name: `service ${o.name} (PGlite)`,
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

async function template(o: PgliteOptions): Promise<string> {
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
      name: 'the PGlite template (first run on this machine only)',
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
