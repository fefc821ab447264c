import { PassThrough } from 'node:stream';
import type { ServiceSpec } from '../config/types.ts';
import { type ContainerEngine, ContainerError, type DockerContainer } from '../container/engine.ts';
import { shortId } from '../container/exec-process.ts';
import { AbortedError, BootError, type ExitInfo } from '../errors.ts';
import { OutputLog } from '../topology/output-log.ts';
import { waitReady } from '../topology/readiness.ts';
import { renderTemplate } from '../util/template.ts';
import type { ServiceHandle } from './handle.ts';
import { type ProtocolProbe, postgresReady, redisReady } from './protocol-ready.ts';

type ContainerSpec = Extract<ServiceSpec, { kind: 'container' }>;

export interface ContainerServiceOptions {
  engine: ContainerEngine;
  /** The scenario: names and labels its containers. */
  scope: string;
  port: number;
  logFile: string;
  signal?: AbortSignal;
}

const PROBES: Partial<Record<ContainerSpec['flavor'], ProtocolProbe>> = {
  redis: redisReady,
  postgres: postgresReady,
};

/**
 * A service in a container on the host network, on a free port of 127.0.0.1. Restart and outage
 * stop and start the same container (its files, so what the service persists, survive); a wipe
 * replaces it with a new container of the same image (empty data). Output comes from the
 * container's logs, one log file across restarts.
 */
export async function startContainerService(
  s: ContainerSpec,
  o: ContainerServiceOptions,
): Promise<ServiceHandle> {
  const { engine } = o;
  const vars = { port: o.port };
  const what = `service ${s.name} (${s.image})`;
  let generation = 0;
  let current: DockerContainer | undefined;
  let output: OutputLog | undefined;

  const follow = async (c: DockerContainer, sinceMs: number): Promise<{ exited: Promise<ExitInfo> }> => {
    await output?.close();
    const log = new OutputLog(o.logFile);
    output = log;
    const stream = await c.logs({ follow: true, stdout: true, stderr: true, since: sinceMs / 1000 });
    const out = new PassThrough();
    const err = new PassThrough();
    c.modem.demuxStream(stream, out, err);
    stream.on('end', () => {
      out.end();
      err.end();
    });
    log.follow(out, 'stdout');
    log.follow(err, 'stderr');
    return { exited: c.wait().then((r: { StatusCode: number }) => ({ code: r.StatusCode, signal: null })) };
  };

  const ready = async (exited: Promise<ExitInfo>) => {
    const log = output as OutputLog;
    const probe = PROBES[s.flavor];
    if (!probe) {
      await waitReady(s.ready ?? {}, {
        name: what,
        port: o.port,
        output: log,
        exited,
        limitMs: s.bootTimeoutMs,
        limitKey: `services.${s.name}.boot_timeout`,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return;
    }
    await waitProbe(probe, {
      port: o.port,
      exited,
      limitMs: s.bootTimeoutMs,
      signal: o.signal,
      fail: (exit, elapsedMs) =>
        new BootError({
          process: what,
          waitingFor: `${s.flavor} on port ${o.port} accepted connections`,
          elapsedMs,
          limitMs: s.bootTimeoutMs,
          limitKey: `services.${s.name}.boot_timeout`,
          ...(exit ? { exit } : {}),
          tail: log.tail(20),
          logFile: log.path,
        }),
    });
  };

  const create = async () => {
    generation++;
    const since = Date.now();
    let builder = new engine.tc.GenericContainer(s.image)
      .withNetworkMode('host')
      .withEnvironment(
        Object.fromEntries(Object.entries(s.containerEnv).map(([k, v]) => [k, renderTemplate(v, vars)])),
      );
    if (s.command) builder = builder.withCommand(s.command.map((a) => renderTemplate(a, vars)));
    const started = await engine.start(
      builder,
      engine.name(o.scope, `${s.name}-${generation}`),
      o.scope,
      what,
    );
    current = engine.client.container.getById(started.getId());
    const { exited } = await follow(current, since);
    try {
      await ready(exited);
    } catch (e) {
      await release();
      throw e;
    }
  };

  const release = async () => {
    const c = current;
    current = undefined;
    if (c) await engine.remove(c.id);
    await output?.close();
  };

  await create();
  return {
    name: s.name,
    url: renderTemplate(s.url, { port: o.port }),
    port: o.port,
    release,
    faults: {
      async down(graceMs) {
        if (!current) return;
        output?.note(`stopping (grace ${graceMs} ms)`);
        await current.stop({ t: Math.ceil(graceMs / 1000) }).catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 304) throw e; // 304: already stopped
        });
      },
      async up() {
        const c = current;
        if (!c) throw new ContainerError(`${what} is gone: it cannot start again`);
        const since = Date.now();
        await c.start().catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 304) throw e; // 304: already running
        });
        await ready((await follow(c, since)).exited);
      },
      async wipe() {
        await release();
        await create();
      },
      where: () => (current ? `container ${shortId(current.id)}` : 'stopped'),
    },
  };
}

/** Poll a protocol probe tightly, racing the container's exit, the deadline and the run's abort. */
async function waitProbe(
  probe: ProtocolProbe,
  t: {
    port: number;
    exited: Promise<ExitInfo>;
    limitMs: number;
    signal: AbortSignal | undefined;
    fail: (exit: ExitInfo | undefined, elapsedMs: number) => Error;
  },
): Promise<void> {
  const started = performance.now();
  let exit: ExitInfo | undefined;
  void t.exited.then((e) => {
    exit = e;
  });
  for (let delay = 2; ; delay = Math.min(delay * 1.5, 50)) {
    if (t.signal?.aborted) throw new AbortedError('waiting for a service');
    if (await probe(t.port)) return;
    const elapsed = performance.now() - started;
    if (exit || elapsed > t.limitMs) throw t.fail(exit, elapsed);
    await new Promise((r) => setTimeout(r, delay));
  }
}
