import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceSpec } from '../config/types.ts';
import type { ContainerEngine } from '../container/engine.ts';
import { AmnesiaError } from '../errors.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { type RunningProcess, startOnFreePort, startProcess } from '../topology/worker-process.ts';
import { renderShell } from '../util/shell.ts';
import { renderTemplate } from '../util/template.ts';
import { startContainerService } from './container-service.ts';
import { type EmbeddedPostgresPool, embeddedEngine } from './embedded-postgres.ts';
import { ServiceFaults } from './faults.ts';
import type { ServiceHandle } from './handle.ts';

/** Backends running for one scenario: the env that reaches every worker, faults, and one stop. */
export interface StartedServices extends AsyncDisposable {
  /** Variables for the workers, e.g. DATABASE_URL. */
  readonly env: Readonly<Record<string, string>>;
  /** restart_service, outage and wipe_service steps. */
  readonly faults: ServiceFaults;
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
  /** The run's container engine, when a service is a container. */
  containers?: ContainerEngine;
  /** The scenario, to name and label its containers. */
  scope: string;
  /** Grace period of a service's graceful stop (restart_service, outage). */
  stopGraceMs: number;
  signal?: AbortSignal;
}

/** Start every service (in parallel); on any failure stop those that started and rethrow. */
export async function startServices(
  specs: readonly ServiceSpec[],
  o: ServiceOptions,
): Promise<StartedServices> {
  const handles = new Map<string, ServiceHandle>();
  const env: Record<string, string> = {};
  const faults = new ServiceFaults(handles, o.stopGraceMs);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await faults.cancel();
    // Service data is thrown away with the scenario: no need for a graceful shutdown.
    await Promise.allSettled([...handles.values()].map((h) => h.release()));
  };
  if (specs.some((s) => s.kind !== 'url')) {
    await Promise.all([mkdir(o.dir, { recursive: true }), mkdir(o.logsDir, { recursive: true })]);
  }
  // Wait for every start before judging, so that nothing still booting escapes the stop.
  const started = await Promise.allSettled(
    specs.map(async (s) => {
      const one = await startOne(s, o);
      handles.set(s.name, one);
      for (const [k, v] of Object.entries(s.env))
        env[k] = renderTemplate(v, { url: one.url, port: one.port ?? '' });
    }),
  );
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { env, faults, stop, [Symbol.asyncDispose]: stop };
}

const releaseProcess = (proc: RunningProcess) => async () => {
  await proc.kill();
  await proc.output.close();
};

async function startOne(s: ServiceSpec, o: ServiceOptions): Promise<ServiceHandle> {
  if (s.kind === 'url') return { name: s.name, url: s.url, release: async () => {} };
  const logFile = path.join(o.logsDir, `service-${s.name}.log`);
  if (s.kind === 'container') {
    if (!o.containers)
      throw new AmnesiaError(
        'AMNESIA_SERVICE_FAILED',
        `service ${s.name} is a container, but no engine is open`,
      );
    return startContainerService(s, {
      engine: o.containers,
      scope: o.scope,
      port: await o.ports.next(),
      logFile,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }
  if (s.kind === 'embedded-postgres' && o.postgresPool) {
    const db = await o.postgresPool.acquire(s.engine);
    // Booted ahead in scratch space: its log joins the scenario's, for the artifacts of a failure.
    return { name: s.name, url: db.url, port: db.proc.port, release: () => db.release(logFile) };
  }
  if (s.kind === 'embedded-postgres') {
    const dir = path.join(o.dir, s.name);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o711);
    const db = await embeddedEngine(
      s.engine,
      process.cwd(),
    )({
      cwd: process.cwd(),
      env: o.env,
      name: s.name,
      dir,
      logFile,
      maxClients: o.maxClients,
      bootTimeoutMs: s.bootTimeoutMs,
      registry: o.registry,
      ports: o.ports,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return {
      name: s.name,
      url: db.url,
      port: db.proc.port,
      release: async () => {
        await db.stop();
        await db.proc.output.close();
      },
    };
  }
  return startCommandService(s, o, logFile);
}

/**
 * A local command on a free port with a private, empty data folder (removed with the scenario).
 * Its first start takes another port when the picked one was taken before it could bind; later
 * starts (faults) keep the port, because workers already hold its URL. Faults act by signals: a
 * graceful stop is SIGTERM to its process group (SIGKILL after the grace period); a wipe empties
 * its folder before it starts again.
 */
async function startCommandService(
  s: Extract<ServiceSpec, { kind: 'command' }>,
  o: ServiceOptions,
  logFile: string,
): Promise<ServiceHandle> {
  const dir = path.join(o.dir, s.name);
  await mkdir(dir, { recursive: true });
  const spec = (port: number) => {
    const vars = { port, dir };
    return {
      name: `service ${s.name}`,
      argv:
        typeof s.command === 'string'
          ? ['/bin/sh', '-c', renderShell(s.command, vars)]
          : s.command.map((a) => renderTemplate(a, vars)),
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
  };
  let proc: RunningProcess | undefined = (await startOnFreePort(o.ports, spec)).proc;
  const port = proc.port;
  const start = async () => {
    proc = await startProcess(spec(port));
  };
  const down = async (graceMs: number) => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    if (graceMs > 0) await p.stop(graceMs);
    else await p.kill();
    await p.output.close();
  };
  return {
    name: s.name,
    url: renderTemplate(s.url ?? `127.0.0.1:{{port}}`, { port, dir }),
    port,
    release: () => (proc ? releaseProcess(proc)() : Promise.resolve()),
    faults: {
      down,
      up: start,
      async wipe() {
        await down(0);
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        await start();
      },
      where: () => (proc ? `pid ${proc.pid}` : 'stopped'),
    },
  };
}
