import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceSpec } from '../config/types.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { type RunningProcess, startOnFreePort } from '../topology/worker-process.ts';
import { renderShell } from '../util/shell.ts';
import { renderTemplate } from '../util/template.ts';
import { type EmbeddedPostgresPool, pgliteServerScript, startEmbeddedPostgres } from './embedded-postgres.ts';

/** Backends running for one scenario: the env that reaches every worker, and one stop. */
export interface StartedServices extends AsyncDisposable {
  /** Variables for the workers, e.g. DATABASE_URL. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Scratch space for service data (removed after the scenario). */
  dir: string;
  /** Where service output goes (kept as artifacts on failure). */
  logsDir: string;
  registry: ProcessRegistry;
  ports: PortAllocator;
  /** How many clients (workers) will connect at most, to size connection limits. */
  maxClients: number;
  /** The environment services start from (amnesia's own, credentials withheld). */
  env: NodeJS.ProcessEnv;
  /** Where embedded PostgreSQL instances come from, booted ahead (default: start one here). */
  postgresPool?: EmbeddedPostgresPool;
  signal?: AbortSignal;
}

/** Start every service (in parallel); on any failure stop those that started and rethrow. */
export async function startServices(
  specs: readonly ServiceSpec[],
  o: ServiceOptions,
): Promise<StartedServices> {
  const releases: (() => Promise<void>)[] = [];
  const env: Record<string, string> = {};
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Service data is thrown away with the scenario: no need for a graceful shutdown.
    await Promise.allSettled(releases.map((r) => r()));
  };
  if (specs.some((s) => s.kind !== 'url')) {
    await Promise.all([mkdir(o.dir, { recursive: true }), mkdir(o.logsDir, { recursive: true })]);
  }
  // Wait for every start before judging, so that nothing still booting escapes the stop.
  const started = await Promise.allSettled(
    specs.map(async (s) => {
      const one = await startOne(s, o);
      if (one.release) releases.push(one.release);
      for (const [k, v] of Object.entries(s.env))
        env[k] = renderTemplate(v, { url: one.url, port: one.port ?? '' });
    }),
  );
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { env, stop, [Symbol.asyncDispose]: stop };
}

interface StartedService {
  url: string;
  port?: number;
  release?: () => Promise<void>;
}

const releaseProcess = (proc: RunningProcess) => async () => {
  await proc.kill();
  await proc.output.close();
};

async function startOne(s: ServiceSpec, o: ServiceOptions): Promise<StartedService> {
  if (s.kind === 'url') return { url: s.url };
  const logFile = path.join(o.logsDir, `service-${s.name}.log`);
  if (s.kind === 'embedded-postgres' && o.postgresPool) {
    const db = await o.postgresPool.acquire();
    return { url: db.url, port: db.proc.port, release: db.release };
  }
  if (s.kind === 'embedded-postgres') {
    const { url, proc } = await startEmbeddedPostgres({
      serverScript: pgliteServerScript(process.cwd()),
      env: o.env,
      name: s.name,
      dir: o.dir,
      logFile,
      maxClients: o.maxClients,
      bootTimeoutMs: s.bootTimeoutMs,
      registry: o.registry,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { url, port: proc.port, release: releaseProcess(proc) };
  }
  // A private, empty folder for the service's data: removed with the scenario.
  const dir = path.join(o.dir, s.name);
  await mkdir(dir, { recursive: true });
  const command = s.command;
  const { proc } = await startOnFreePort(o.ports, (port) => {
    const vars = { port, dir };
    return {
      name: `service ${s.name}`,
      argv:
        typeof command === 'string'
          ? ['/bin/sh', '-c', renderShell(command, vars)]
          : command.map((a) => renderTemplate(a, vars)),
      cwd: s.cwd ?? dir,
      env: o.env,
      port,
      logFile,
      ready: s.ready ?? {},
      bootTimeoutMs: s.bootTimeoutMs,
      bootTimeoutKey: `services.${s.name}.boot_timeout`,
      registry: o.registry,
      ...(o.signal ? { signal: o.signal } : {}),
    };
  });
  const port = proc.port;
  const vars = { port, dir };
  return {
    url: renderTemplate(s.url ?? `127.0.0.1:{{port}}`, vars),
    port,
    release: releaseProcess(proc),
  };
}
