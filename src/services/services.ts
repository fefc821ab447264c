import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceSpec } from '../config/types.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { type RunningProcess, startProcess } from '../topology/worker-process.ts';
import { renderTemplate } from '../util/template.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

/** Backends running for one scenario: the env that reaches every worker, and one stop. */
export interface StartedServices extends AsyncDisposable {
  /** Variables for the workers, e.g. DATABASE_URL. */
  readonly env: Readonly<Record<string, string>>;
  /** Each service's URL by name. */
  readonly urls: Readonly<Record<string, string>>;
  /** Output files of the services amnesia started. */
  readonly logFiles: readonly string[];
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
  signal?: AbortSignal;
}

/** Start every service (in parallel); on any failure stop those that started and rethrow. */
export async function startServices(
  specs: readonly ServiceSpec[],
  o: ServiceOptions,
): Promise<StartedServices> {
  const running: RunningProcess[] = [];
  const env: Record<string, string> = {};
  const urls: Record<string, string> = {};
  const logFiles: string[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Service data is thrown away with the scenario: no need for a graceful shutdown.
    await Promise.allSettled(
      running.map(async (p) => {
        await p.kill();
        await p.output.close();
      }),
    );
  };
  try {
    if (specs.some((s) => s.kind !== 'url'))
      await Promise.all([mkdir(o.dir, { recursive: true }), mkdir(o.logsDir, { recursive: true })]);
    await Promise.all(
      specs.map(async (s) => {
        const { url, port, proc } = await startOne(s, o);
        if (proc) {
          running.push(proc);
          logFiles.push(proc.output.path);
        }
        urls[s.name] = url;
        for (const [k, v] of Object.entries(s.env)) env[k] = renderTemplate(v, { url, port: port ?? '' });
      }),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { env, urls, logFiles, stop, [Symbol.asyncDispose]: stop };
}

async function startOne(
  s: ServiceSpec,
  o: ServiceOptions,
): Promise<{ url: string; port?: number; proc?: RunningProcess }> {
  if (s.kind === 'url') return { url: s.url };
  const port = await o.ports.next();
  const logFile = path.join(o.logsDir, `service-${s.name}.log`);
  const common = {
    port,
    logFile,
    registry: o.registry,
    env: process.env,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  if (s.kind === 'embedded-postgres') {
    const { url, proc } = await startEmbeddedPostgres({
      name: s.name,
      dir: o.dir,
      logFile,
      port,
      maxClients: o.maxClients,
      bootTimeoutMs: s.bootTimeoutMs,
      registry: o.registry,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { url, port, proc };
  }
  const vars = { port };
  const command =
    typeof s.command === 'string'
      ? ['/bin/sh', '-c', renderTemplate(s.command, vars)]
      : s.command.map((a) => renderTemplate(a, vars));
  const proc = await startProcess({
    ...common,
    name: `service ${s.name}`,
    argv: command,
    cwd: o.dir,
    ready: s.ready ?? {},
    bootTimeoutMs: s.bootTimeoutMs,
    bootTimeoutKey: `services.${s.name}.boot_timeout`,
  });
  return { url: renderTemplate(s.url ?? `127.0.0.1:{{port}}`, vars), port, proc };
}
