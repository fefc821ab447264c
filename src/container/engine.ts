import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ContainerRuntimeClient, GenericContainer } from 'testcontainers';
import type { ResolvedConfig } from '../config/types.ts';
import { AmnesiaError } from '../errors.ts';
import { importOptional } from '../util/optional-dependency.ts';

export type Testcontainers = typeof import('testcontainers');
export type DockerContainer = ReturnType<ContainerRuntimeClient['container']['getById']>;

export const TESTCONTAINERS = {
  name: 'testcontainers',
  version: '12.2.0',
  feature: 'containers (`app.runtime: container`, `redis:`, `postgres: { image }` and `container:` services)',
};

/** Labels on every container and volume amnesia creates. */
export const LABEL = { run: 'amnesia.run', pid: 'amnesia.pid', host: 'amnesia.host', scope: 'amnesia.scope' };

/** No container engine answered (exit 2): the run cannot start. */
export class ContainerEngineError extends AmnesiaError {
  constructor(cause: unknown) {
    super(
      'AMNESIA_NO_CONTAINER_ENGINE',
      'containers were asked for (`app.runtime: container`, or a `redis:`, `postgres: { image }` or `container:` service), but no container engine answered.\n' +
        `  ${cause instanceof Error ? cause.message : String(cause)}\n` +
        '  Start Docker (e.g. `sudo systemctl start docker`, or Docker Desktop), or point DOCKER_HOST at a running engine; check with `docker info`.\n' +
        '  Without Docker: `app.runtime: process` (the default) and `postgres: embedded` or a `command:` service need none.',
      { cause },
    );
  }
}

/** A container amnesia started could not be created, started or made ready. */
export class ContainerError extends AmnesiaError {
  constructor(message: string, cause?: unknown) {
    super('AMNESIA_CONTAINER_FAILED', message, cause === undefined ? undefined : { cause });
  }
}

/** Whether this config needs a container engine. */
export function needsContainers(config: ResolvedConfig): boolean {
  return config.app.runtime === 'container' || config.services.some((s) => s.kind === 'container');
}

/**
 * One run's handle on the container engine: testcontainers (loaded only when containers are
 * asked for), the run's labels, the app image (built once per run), and the set of containers
 * and volumes still to remove. Everything it creates carries the run id, this process's pid and
 * host name, so that a later run can tell (and remove) what a killed run left behind.
 */
export class ContainerEngine implements AsyncDisposable {
  readonly tc: Testcontainers;
  readonly client: ContainerRuntimeClient;
  readonly runId: string;
  private readonly containers = new Set<string>();
  private readonly volumes = new Set<string>();
  private readonly images = new Map<string, Promise<string>>();
  private uninstall: () => void = () => {};

  private constructor(tc: Testcontainers, client: ContainerRuntimeClient, runId: string) {
    this.tc = tc;
    this.client = client;
    this.runId = runId;
  }

  /**
   * Load testcontainers, reach the engine (or throw ContainerEngineError), and remove what
   * killed earlier runs left on it.
   */
  static async open(runId: string, cwd = process.cwd()): Promise<ContainerEngine> {
    const tc = await importOptional<Testcontainers>(TESTCONTAINERS, cwd);
    let client: ContainerRuntimeClient;
    try {
      client = await tc.getContainerRuntimeClient();
    } catch (e) {
      throw new ContainerEngineError(e);
    }
    const engine = new ContainerEngine(tc, client, runId);
    await engine.removeLeftovers();
    engine.uninstall = engine.removeOnExit();
    return engine;
  }

  labels(scope: string): Record<string, string> {
    return {
      [LABEL.run]: this.runId,
      [LABEL.pid]: String(process.pid),
      [LABEL.host]: hostname(),
      [LABEL.scope]: scope,
    };
  }

  /** A name for a container or volume of this run: `amnesia-<run>-<scope>-<what>`. */
  name(scope: string, what: string): string {
    return `amnesia-${this.runId}-${scope}-${what}`.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 120);
  }

  /**
   * Start a container (named `name`, labelled with the run) and remember it for the run's
   * cleanup. A container created but not started (a bad command, a missing binary) is removed.
   */
  async start(
    container: GenericContainer,
    name: string,
    scope: string,
    what: string,
  ): Promise<StartedContainer> {
    try {
      const started = await container.withName(name).withLabels(this.labels(scope)).start();
      this.containers.add(started.getId());
      return started;
    } catch (e) {
      await this.remove(name).catch(() => {});
      const missing = /no such image|pull access denied|not found/i.test(String(e));
      throw new ContainerError(
        `${what} could not start: ${e instanceof Error ? e.message : String(e)}${missing ? '\n  The image is not on this engine and could not be pulled: build or pull it first (`docker images` lists what there is).' : ''}`,
        e,
      );
    }
  }

  /** Stop and remove a container (and its anonymous volumes) at once. Idempotent. */
  async remove(id: string): Promise<void> {
    try {
      await this.client.container.getById(id).remove({ force: true, v: true });
    } catch (e) {
      if (!/no such container|is already in progress/i.test(String(e))) throw e;
    }
    this.containers.delete(id);
  }

  /** Create a labelled named volume. */
  async createVolume(name: string, scope: string): Promise<void> {
    await this.client.container.dockerode.createVolume({ Name: name, Labels: this.labels(scope) });
    this.volumes.add(name);
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.client.container.dockerode.getVolume(name).remove();
    } catch (e) {
      if (!/no such volume/i.test(String(e))) throw e;
    }
    this.volumes.delete(name);
  }

  /** The app image: `image` as is, or `build` built once per run (the engine's cache makes rebuilds quick). */
  appImage(app: ResolvedConfig['app']): Promise<string> {
    const { image, build } = app.container;
    if (image) return Promise.resolve(image);
    if (!build) throw new ContainerError('the container runtime needs `app.image` or `app.build`');
    const key = JSON.stringify(build);
    let pending = this.images.get(key);
    if (!pending) {
      const tag = `amnesia-app-${path
        .basename(build.context)
        .toLowerCase()
        .replace(/[^a-z0-9_.-]/g, '-')}:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
      pending = this.tc.GenericContainer.fromDockerfile(build.context, build.dockerfile ?? 'Dockerfile')
        .withBuildArgs(build.args)
        .build(tag, { deleteOnExit: false })
        .then(
          () => tag,
          (e: unknown) => {
            throw new ContainerError(
              `app.build: building ${build.context} failed: ${e instanceof Error ? e.message : String(e)}`,
              e,
            );
          },
        );
      this.images.set(key, pending);
    }
    return pending;
  }

  /** Remove every container and volume of this run still there. */
  async close(): Promise<void> {
    await this.removeWhere((labels) => labels[LABEL.run] === this.runId);
    await Promise.allSettled([...this.volumes].map((v) => this.removeVolume(v)));
    this.uninstall();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Containers and volumes of runs whose amnesia process on this host is gone. */
  private async removeLeftovers(): Promise<void> {
    const host = hostname();
    const dead = (labels: Record<string, string> | undefined) =>
      labels?.[LABEL.host] === host && labels[LABEL.run] !== this.runId && !alive(Number(labels[LABEL.pid]));
    await this.removeWhere(dead);
    const { Volumes } = await this.client.container.dockerode.listVolumes({
      filters: JSON.stringify({ label: [LABEL.run] }),
    });
    await Promise.allSettled(
      (Volumes ?? []).filter((v) => dead(v.Labels ?? undefined)).map((v) => this.removeVolume(v.Name)),
    );
  }

  private async removeWhere(match: (labels: Record<string, string>) => boolean): Promise<void> {
    const list = await this.client.container.dockerode.listContainers({
      all: true,
      filters: JSON.stringify({ label: [LABEL.run] }),
    });
    await Promise.allSettled(list.filter((c) => match(c.Labels)).map((c) => this.remove(c.Id)));
  }

  /**
   * The last line of defence when amnesia exits without stopping (a second Ctrl-C): remove this
   * run's containers with the docker CLI, synchronously, if there is one. A run that cannot is
   * cleaned by the next run (its labels name a process that is gone).
   */
  private removeOnExit(): () => void {
    const handler = () => {
      const ids = [...this.containers];
      if (ids.length > 0) spawnSync('docker', ['rm', '-fv', ...ids], { stdio: 'ignore', timeout: 10_000 });
      const volumes = [...this.volumes];
      if (volumes.length > 0) spawnSync('docker', ['volume', 'rm', '-f', ...volumes], { stdio: 'ignore' });
    };
    process.once('exit', handler);
    return () => process.off('exit', handler);
  }
}

export type StartedContainer = Awaited<ReturnType<GenericContainer['start']>>;

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
