import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError } from '../errors.ts';
import type { Target, Topology } from '../scenario/types.ts';
import { formatTarget } from '../scenario/types.ts';
import { parseWorkerId, type WorkerId, workerOrder, workersOf } from '../scenario/workers.ts';
import { shellArgv } from '../topology/launch-worker.ts';
import { bootingRuntime, LiveWorkers } from '../topology/live-workers.ts';
import { mergeChanges, range, settleAll } from '../topology/settle.ts';
import type {
  DisruptionRecord,
  Runtime,
  StartedTopology,
  TopologyOptions,
  WorkerChange,
  WorkerInfo,
} from '../topology/types.ts';
import { renderShell } from '../util/shell.ts';
import { renderTemplate } from '../util/template.ts';
import { type ContainerEngine, ContainerError, type DockerContainer } from './engine.ts';
import { type ExecProcess, execProcess, shortId } from './exec-process.ts';

/** The data dir inside a replica's container when there is no volume: its own filesystem. */
const CONTAINER_DATA_DIR = '/tmp/amnesia-data';

/** A replica: one container of the app image (a pod), and its named volume, if any. */
interface Pod {
  index: number;
  generation: number;
  container: DockerContainer;
  volume?: string;
  dataDir: string;
}

interface Worker {
  info: WorkerInfo;
  proc: ExecProcess;
}

/**
 * Runtime `container`: every replica a container started from the app image through
 * testcontainers, on the host network; its workers are processes started in it with exec, each
 * in its own process group, on its own port. Worker restarts and crashes signal a worker's group
 * inside its container; replica restarts and crashes restart the container (its files stay);
 * a redeploy starts a new container (and a new volume), so what the old one wrote is gone.
 */
export function containerRuntime(engine: ContainerEngine | undefined): Runtime {
  return {
    async start(options) {
      // The run opens the engine before any scenario when the config asks for containers.
      if (!engine)
        throw new ContainerError('the container runtime needs the run to open a container engine first');
      return bootingRuntime((o) => new ContainerTopology(engine, o)).start(options);
    },
  };
}

class ContainerTopology extends LiveWorkers<Worker> implements StartedTopology {
  private readonly engine: ContainerEngine;
  private readonly o: TopologyOptions;
  private readonly pods = new Map<number, Pod>();
  /** Pods replaced or removed but not yet gone (a failed rolling redeploy). */
  private readonly pastPods: Pod[] = [];
  private readonly generations = new Map<number, number>();
  private readonly incarnations = new Map<WorkerId, number>();
  private stopped = false;
  private image = '';
  /** Aborted when a worker fails to boot: its siblings stop waiting for theirs. */
  private readonly aborted = new AbortController();

  constructor(engine: ContainerEngine, o: TopologyOptions) {
    super(o.topology);
    this.engine = engine;
    this.o = o;
  }

  async boot(): Promise<void> {
    await mkdir(this.o.logsDir, { recursive: true });
    this.image = await this.engine.appImage(this.o.app);
    await settleAll(range(this.shape.replicas).map((r) => this.addPod(r)));
    await settleAll(workerOrder(this.shape).map((id) => this.startWorker(id)));
  }

  async restart(target: Target, graceMs = this.o.app.stopGraceMs): Promise<DisruptionRecord> {
    return this.disrupt('restart', `restart ${formatTarget(target)} (grace ${graceMs} ms)`, () =>
      this.cycle(target, graceMs),
    );
  }

  async crash(target: Target): Promise<DisruptionRecord> {
    return this.disrupt(
      'crash',
      `crash ${formatTarget(target)} (SIGKILL, respawn in the same container)`,
      () => this.cycle(target, 0),
    );
  }

  async pause(target: Target, ms: number): Promise<DisruptionRecord> {
    return this.disrupt('pause', `pause ${formatTarget(target)} for ${ms} ms (SIGSTOP, then SIGCONT)`, () =>
      this.pauseWorkers(workersOf(target, this.shape), ms, this.o),
    );
  }

  async redeploy(strategy: 'rolling' | 'at-once', target: Target): Promise<DisruptionRecord> {
    const indices = target.kind === 'all' ? range(this.shape.replicas) : [target.replica];
    return this.disrupt(
      'redeploy',
      `redeploy ${formatTarget(target)} (${strategy}, new containers)`,
      async () => {
        if (strategy === 'rolling') {
          const changes: WorkerChange[] = [];
          for (const r of indices) changes.push(...(await this.replacePod(r)));
          return changes;
        }
        const stopped = await settleAll(indices.map((r) => this.removePod(r)));
        const started = await settleAll(
          indices.map(async (r) => {
            await this.addPod(r);
            return settleAll(this.idsOf(r).map(async (id) => ({ id, after: await this.startWorker(id) })));
          }),
        );
        return mergeChanges(stopped.flat(), started.flat());
      },
    );
  }

  async scale(to: Partial<Topology>): Promise<DisruptionRecord> {
    const next = { replicas: to.replicas ?? this.shape.replicas, workers: to.workers ?? this.shape.workers };
    return this.disrupt('scale', `scale to ${next.replicas} × ${next.workers}`, async () => {
      const before = workerOrder(this.shape);
      const after = workerOrder(next);
      const stops = await settleAll(
        before
          .filter((id) => !after.includes(id))
          .map(async (id) => ({ id, before: await this.stopWorker(id, this.o.app.stopGraceMs) })),
      );
      await settleAll(
        range(this.shape.replicas)
          .filter((r) => r > next.replicas)
          .map((r) => this.dropPod(r)),
      );
      this.shape = next;
      await settleAll(
        range(next.replicas)
          .filter((r) => !this.pods.has(r))
          .map((r) => this.addPod(r)),
      );
      const starts = await settleAll(
        after
          .filter((id) => !before.includes(id))
          .map(async (id) => ({ id, after: await this.startWorker(id) })),
      );
      return [...stops, ...starts];
    });
  }

  /**
   * The scenario is over and its data with it: remove the containers (which kills their
   * workers at once, with no grace period to wait out), then collect each worker's exit.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.pods.values(), ...this.pastPods].map((p) => this.disposePod(p)));
    this.pods.clear();
    await Promise.allSettled([...this.live.keys()].map((id) => this.stopWorker(id, 0, true)));
  }

  // --- internals ---

  private idsOf(r: number): WorkerId[] {
    return workerOrder(this.shape).filter((id) => parseWorkerId(id).replica === r);
  }

  /**
   * Restart (graceMs > 0) or crash (0) what the target names. A worker: its process group in
   * the container. A replica: its workers (gracefully first, for a restart), then the container
   * itself, which keeps its files, then the workers again.
   */
  private async cycle(target: Target, graceMs: number): Promise<WorkerChange[]> {
    if (target.kind === 'worker') {
      return settleAll(
        workersOf(target, this.shape).map(async (id) => {
          const before = await this.stopWorker(id, graceMs);
          return { id, before, after: await this.startWorker(id) };
        }),
      );
    }
    const indices = target.kind === 'all' ? range(this.shape.replicas) : [target.replica];
    const changes = await settleAll(
      indices.map(async (r) => {
        const ids = this.idsOf(r);
        // A restart stops the workers gracefully first; a crash kills the container and its workers at once.
        const graceful = graceMs > 0 ? await settleAll(ids.map((id) => this.stopWorker(id, graceMs))) : [];
        await this.pods.get(r)?.container.restart({ t: 0 });
        if (graceMs === 0)
          for (const id of ids) {
            const w = this.live.get(id);
            if (w) this.signalled(w.info, 'SIGKILL')();
          }
        const befores =
          graceMs > 0 ? graceful : await settleAll(ids.map((id) => this.stopWorker(id, 0, true)));
        const stops = ids.map((id, i) => ({ id, before: befores[i] }));
        const starts = await settleAll(ids.map(async (id) => ({ id, after: await this.startWorker(id) })));
        return mergeChanges(stops, starts);
      }),
    );
    return changes.flat();
  }

  private async addPod(r: number): Promise<void> {
    const generation = (this.generations.get(r) ?? 0) + 1;
    this.generations.set(r, generation);
    const spec = this.o.app.container;
    const tc = this.engine.tc;
    // A container that only keeps the pod alive: a shell waiting on a stdin nobody writes to
    // (needs /bin/sh only). The workers are started in it with exec.
    const Pod = class extends tc.GenericContainer {
      withOpenStdin(): this {
        this.createOpts.OpenStdin = true;
        return this;
      }
    };
    let volume: string | undefined;
    if (spec.volume) {
      volume = this.engine.name(this.o.scope, `r${r}-g${generation}`);
      await this.engine.createVolume(volume, this.o.scope);
    }
    const builder = new Pod(this.image)
      .withOpenStdin()
      .withNetworkMode(spec.network)
      .withEntrypoint(['/bin/sh', '-c'])
      .withCommand(['read _'])
      .withBindMounts(volume && spec.volume ? [{ source: volume, target: spec.volume, mode: 'rw' }] : []);
    const started = await this.engine.start(
      builder,
      this.engine.name(this.o.scope, `r${r}-g${generation}`),
      this.o.scope,
      `replica r${r} of ${this.o.scope} (${this.image})`,
    );
    this.pods.set(r, {
      index: r,
      generation,
      container: this.engine.client.container.getById(started.getId()),
      ...(volume ? { volume } : {}),
      dataDir: spec.volume ?? CONTAINER_DATA_DIR,
    });
  }

  /** Rolling: the replica's new container and workers start beside the old ones, then the old ones stop. */
  private async replacePod(r: number): Promise<WorkerChange[]> {
    const old = this.pods.get(r);
    if (!old) return [];
    const ids = this.idsOf(r);
    const oldWorkers = new Map(ids.map((id) => [id, this.live.get(id)]));
    this.pastPods.push(old);
    await this.addPod(r);
    const started = await settleAll(ids.map(async (id) => ({ id, after: await this.startWorker(id) })));
    const stopped = await settleAll(
      ids.map(async (id) => {
        const w = oldWorkers.get(id);
        if (!w) return { id };
        const result = await w.proc.stop(this.o.app.stopGraceMs, this.signalled(w.info, 'SIGTERM'));
        await w.proc.output.close();
        this.o.onEvent?.({ type: 'worker-stopped', id, pid: w.proc.pid, ...result });
        return { id, before: { pid: w.proc.pid, container: w.info.container, ...result } };
      }),
    );
    this.pastPods.splice(this.pastPods.indexOf(old), 1);
    await this.disposePod(old);
    return mergeChanges(stopped, started);
  }

  private async removePod(r: number): Promise<WorkerChange[]> {
    const changes = await settleAll(
      this.idsOf(r).map(async (id) => ({ id, before: await this.stopWorker(id, this.o.app.stopGraceMs) })),
    );
    await this.dropPod(r);
    return changes;
  }

  private async dropPod(r: number): Promise<void> {
    const pod = this.pods.get(r);
    this.pods.delete(r);
    if (pod) await this.disposePod(pod);
  }

  private async disposePod(pod: Pod): Promise<void> {
    await this.engine.remove(pod.container.id);
    if (pod.volume) await this.engine.removeVolume(pod.volume);
  }

  /** `killed`: its container was just killed; only wait for the process to be reported gone. */
  private async stopWorker(id: WorkerId, graceMs: number, killed = false): Promise<WorkerChange['before']> {
    const w = this.live.get(id);
    if (!w) return undefined;
    this.live.delete(id);
    const result = killed
      ? { exit: await w.proc.exited, forced: true }
      : graceMs > 0
        ? await w.proc.stop(graceMs, this.signalled(w.info, 'SIGTERM'))
        : { exit: await w.proc.kill(this.signalled(w.info, 'SIGKILL')), forced: true };
    await w.proc.output.close();
    this.o.onEvent?.({ type: 'worker-stopped', id, pid: w.proc.pid, ...result });
    return { pid: w.proc.pid, container: w.info.container, ...result };
  }

  private signalled(w: WorkerInfo, signal: 'SIGTERM' | 'SIGKILL'): () => void {
    return () => this.o.onEvent?.({ type: 'worker-signalled', id: w.id, pid: w.pid, port: w.port, signal });
  }

  private async startWorker(id: WorkerId): Promise<WorkerChange['after']> {
    const { replica, worker } = parseWorkerId(id);
    const pod = this.pods.get(replica);
    if (!pod) throw new Error(`replica r${replica} has no container`);
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const port = await this.o.ports.next();
    const input = { id, replica, worker, port, dataDir: pod.dataDir };
    // The placeholders of app.command and app.env, as the process runtime fills them.
    const vars = { replica, worker, port, data_dir: pod.dataDir, ...this.o.placeholders?.(input) };
    const env: Record<string, string> = {
      ...Object.fromEntries(Object.entries(this.o.app.env).map(([k, v]) => [k, renderTemplate(v, vars)])),
      ...this.o.workerEnv(input),
      [this.o.app.portEnv]: String(port),
    };
    const command = this.o.app.command;
    const argv =
      typeof command === 'string'
        ? shellArgv(renderShell(command, vars))
        : command.map((a) => renderTemplate(a, vars));
    const logFile = path.join(this.o.logsDir, `${id}.${incarnation}.log`);
    const container = shortId(pod.container.id);
    const t0 = performance.now();
    const started = execProcess({
      name: `worker ${id} of ${this.o.scope}${incarnation > 1 ? ` (start #${incarnation})` : ''}`,
      container: pod.container,
      argv,
      env,
      ...(pod.volume ? {} : { mkdir: pod.dataDir }),
      port,
      logFile,
      ready: this.o.app.ready,
      bootTimeoutMs: this.o.app.bootTimeoutMs,
      bootTimeoutKey: 'app.boot_timeout',
      onOutputCut: (cut) => this.o.onEvent?.({ type: 'output-cut', id, cut }),
      ...(this.o.hidden ? { hidden: this.o.hidden } : {}),
      signal: AbortSignal.any([this.aborted.signal, ...(this.o.signal ? [this.o.signal] : [])]),
    });
    const proc = await started.catch((e: unknown) => {
      if (!(e instanceof AbortedError)) this.aborted.abort();
      throw e;
    });
    const bootMs = performance.now() - t0;
    if (this.stopped) {
      await proc.kill();
      throw new Error('the topology was stopped while a worker was starting');
    }
    const info: WorkerInfo = {
      id,
      replica,
      worker,
      pid: proc.pid,
      port,
      url: `http://127.0.0.1:${port}`,
      generation: pod.generation,
      incarnation,
      logFile,
      container,
    };
    this.live.set(id, { info, proc });
    this.o.onEvent?.({ type: 'worker-ready', worker: { ...info }, bootMs });
    return { pid: proc.pid, generation: pod.generation, bootMs, container };
  }
}
