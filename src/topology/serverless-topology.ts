import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError, AmnesiaError } from '../errors.ts';
import { seededRandom } from '../plan/random.ts';
import type { Target, Topology } from '../scenario/types.ts';
import { formatTarget } from '../scenario/types.ts';
import { parseWorkerId, type WorkerId, workerOrder, workersOf } from '../scenario/workers.ts';
import { launchWorker } from './launch-worker.ts';
import { bootingRuntime, LiveWorkers } from './live-workers.ts';
import { createReplicaDisk, type ReplicaDisk } from './replica-disk.ts';
import { range, settleAll } from './settle.ts';
import type {
  DisruptionRecord,
  Runtime,
  StartedTopology,
  TopologyOptions,
  WorkerChange,
  WorkerInfo,
} from './types.ts';
import type { RunningProcess } from './worker-process.ts';

/** One started process of a slot, on its own disk (app folder copy, data dir, TMPDIR, HOME). */
interface Instance {
  info: WorkerInfo;
  proc: RunningProcess;
  disk: ReplicaDisk;
  /** Turns it was given. */
  served: number;
}

/**
 * Runtime `process` in serverless mode (`topology: { serverless: … }`), as functions platforms run
 * an app: `replicas × workers` slots, each holding one instance on a disk of its own. Before each
 * turn (`acquire`) the slot's instance is replaced by a newly started one on a fresh copy of the
 * app folder with a fresh TMPDIR (a cold start), unless the seeded `warm` draw reuses it. An
 * instance that has served no turn yet counts as cold. Disruptions replace instances too.
 */
export const serverlessRuntime: Runtime = bootingRuntime((options) => new ServerlessTopology(options));

class ServerlessTopology extends LiveWorkers<Instance> implements StartedTopology {
  private readonly o: TopologyOptions;
  private readonly starts = new Map<WorkerId, number>();
  private readonly random: () => number;
  private readonly warm: number;
  private stopped = false;
  /** Aborted when an instance fails to boot: its siblings still booting stop waiting at once. */
  private readonly aborted = new AbortController();

  constructor(o: TopologyOptions) {
    super(o.topology);
    this.o = o;
    this.warm = o.topology.serverless?.warm ?? 0;
    this.random = seededRandom(o.seed ?? 0);
  }

  async boot(): Promise<void> {
    await mkdir(this.o.logsDir, { recursive: true });
    await settleAll(workerOrder(this.shape).map((id) => this.startInstance(id)));
  }

  async acquire(id: WorkerId): Promise<'cold' | 'warm'> {
    const current = this.live.get(id);
    if (current && current.served === 0) {
      current.served++;
      return 'cold';
    }
    // Drawn for every turn after the first, whatever happened to the instance: replays draw alike.
    const reuse = this.random() < this.warm;
    if (current && reuse && !current.proc.exit) {
      current.served++;
      return 'warm';
    }
    await this.stopInstance(id, this.o.app.stopGraceMs);
    await this.startInstance(id);
    const fresh = this.live.get(id);
    if (fresh) fresh.served++;
    return 'cold';
  }

  restart(target: Target, graceMs = this.o.app.stopGraceMs): Promise<DisruptionRecord> {
    return this.disrupt(
      'restart',
      `restart ${formatTarget(target)} (grace ${graceMs} ms, new instances)`,
      () => settleAll(workersOf(target, this.shape).map((id) => this.replace(id, graceMs))),
    );
  }

  crash(target: Target): Promise<DisruptionRecord> {
    return this.disrupt('crash', `crash ${formatTarget(target)} (SIGKILL, new instances)`, () =>
      settleAll(workersOf(target, this.shape).map((id) => this.replace(id, 0))),
    );
  }

  /** Refused by validation (src/disruptions/pause.ts): no instance lives between turns to be stopped. */
  pause(target: Target): Promise<DisruptionRecord> {
    return Promise.reject(
      new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        `pause ${formatTarget(target)}: serverless mode has no long-lived worker to stop (each turn gets a newly started instance); use crash or restart`,
      ),
    );
  }

  redeploy(strategy: 'rolling' | 'at-once', target: Target): Promise<DisruptionRecord> {
    return this.disrupt(
      'redeploy',
      `redeploy ${formatTarget(target)} (${strategy}, new instances)`,
      async () => {
        const ids = workersOf(target, this.shape);
        if (strategy === 'at-once')
          return settleAll(ids.map((id) => this.replace(id, this.o.app.stopGraceMs)));
        const changes: WorkerChange[] = [];
        for (const r of range(this.shape.replicas)) {
          const ofReplica = ids.filter((id) => parseWorkerId(id).replica === r);
          changes.push(...(await settleAll(ofReplica.map((id) => this.replace(id, this.o.app.stopGraceMs)))));
        }
        return changes;
      },
    );
  }

  scale(to: Partial<Topology>): Promise<DisruptionRecord> {
    const next = {
      ...this.shape,
      replicas: to.replicas ?? this.shape.replicas,
      workers: to.workers ?? this.shape.workers,
    };
    return this.disrupt('scale', `scale to ${next.replicas} × ${next.workers} slots`, async () => {
      const before = workerOrder(this.shape);
      const after = workerOrder(next);
      const stops = await settleAll(
        before
          .filter((id) => !after.includes(id))
          .map(async (id) => ({ id, before: await this.stopInstance(id, this.o.app.stopGraceMs) })),
      );
      this.shape = next;
      const starts = await settleAll(
        after
          .filter((id) => !before.includes(id))
          .map(async (id) => ({ id, after: await this.startInstance(id) })),
      );
      return [...stops, ...starts];
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(
      [...this.live.keys()].map((id) => this.stopInstance(id, this.o.app.stopGraceMs)),
    );
  }

  // --- internals ---

  private async replace(id: WorkerId, graceMs: number): Promise<WorkerChange> {
    const before = await this.stopInstance(id, graceMs);
    return { id, before, after: await this.startInstance(id) };
  }

  private async stopInstance(id: WorkerId, graceMs: number): Promise<WorkerChange['before']> {
    const i = this.live.get(id);
    if (!i) return undefined;
    this.live.delete(id);
    try {
      const result = graceMs > 0 ? await i.proc.stop(graceMs) : { exit: await i.proc.kill(), forced: true };
      await i.proc.output.close();
      this.o.onEvent?.({ type: 'worker-stopped', id, pid: i.proc.pid, ...result });
      return { pid: i.proc.pid, ...result };
    } finally {
      await i.disk.dispose();
    }
  }

  private async startInstance(id: WorkerId): Promise<WorkerChange['after']> {
    const { replica, worker } = parseWorkerId(id);
    const n = (this.starts.get(id) ?? 0) + 1;
    this.starts.set(id, n);
    const disk = await createReplicaDisk({
      appDir: this.o.app.cwd,
      dir: path.join(this.o.runDir, `${id}.i${n}`),
      copyDir: path.join(this.o.copyDir, `${id}.i${n}`),
      isolation: this.o.app.isolation,
      link: this.o.app.link,
      registry: this.o.registry,
      ...(this.o.onOutsideWrites ? { onOutside: this.o.onOutsideWrites } : {}),
      label: `${this.o.scope} instance ${id} #${n}`,
    });
    let launched: Awaited<ReturnType<typeof launchWorker>>;
    try {
      launched = await launchWorker(this.o, {
        id,
        replica,
        worker,
        disk,
        generation: n,
        incarnation: n,
        signal: AbortSignal.any([this.aborted.signal, ...(this.o.signal ? [this.o.signal] : [])]),
      });
    } catch (e) {
      if (!(e instanceof AbortedError)) this.aborted.abort();
      await disk.dispose();
      throw e;
    }
    const { info, proc, bootMs } = launched;
    if (this.stopped) {
      await proc.kill();
      await disk.dispose();
      throw new AbortedError(`starting instance ${id}: the topology was stopped meanwhile`);
    }
    this.live.set(id, { info, proc, disk, served: 0 });
    this.o.onEvent?.({ type: 'worker-ready', worker: { ...info }, bootMs });
    return { pid: proc.pid, generation: n, bootMs };
  }
}
