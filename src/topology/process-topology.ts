import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError } from '../errors.ts';
import type { Target, Topology } from '../scenario/types.ts';
import { formatTarget } from '../scenario/types.ts';
import { parseWorkerId, type WorkerId, workerOrder, workersOf } from '../scenario/workers.ts';
import { launchWorker } from './launch-worker.ts';
import { bootingRuntime, LiveWorkers } from './live-workers.ts';
import { createReplicaDisk, type ReplicaDisk } from './replica-disk.ts';
import { mergeChanges, range, settleAll } from './settle.ts';
import type {
  DisruptionRecord,
  Runtime,
  StartedTopology,
  TopologyOptions,
  WorkerChange,
  WorkerInfo,
} from './types.ts';
import type { RunningProcess } from './worker-process.ts';

interface Replica {
  index: number;
  generation: number;
  disk: ReplicaDisk;
}

interface Worker {
  info: WorkerInfo;
  proc: RunningProcess;
}

/** Runtime `process`: every worker a child process on 127.0.0.1, every replica its own disk. */
export const processRuntime: Runtime = bootingRuntime((options) => new ProcessTopology(options));

class ProcessTopology extends LiveWorkers<Worker> implements StartedTopology {
  private readonly o: TopologyOptions;
  private readonly replicas = new Map<number, Replica>();
  private readonly incarnations = new Map<WorkerId, number>();
  private stopped = false;
  /** Aborted when a worker fails to boot: its siblings still booting stop waiting at once. */
  private readonly aborted = new AbortController();

  constructor(o: TopologyOptions) {
    super(o.topology);
    this.o = o;
  }

  async boot(): Promise<void> {
    await mkdir(this.o.logsDir, { recursive: true });
    await settleAll(
      range(this.shape.replicas).map(async (r) => this.replicas.set(r, await this.newReplica(r, 1))),
    );
    await settleAll(workerOrder(this.shape).map((id) => this.startWorker(id)));
  }

  async restart(target: Target, graceMs = this.o.app.stopGraceMs): Promise<DisruptionRecord> {
    return this.disrupt('restart', `restart ${formatTarget(target)} (grace ${graceMs} ms)`, async () =>
      settleAll(
        workersOf(target, this.shape).map(async (id) => {
          const before = await this.stopWorker(id, graceMs);
          return { id, before, after: await this.startWorker(id) };
        }),
      ),
    );
  }

  async crash(target: Target): Promise<DisruptionRecord> {
    return this.disrupt(
      'crash',
      `crash ${formatTarget(target)} (SIGKILL, respawn on the same disk)`,
      async () =>
        settleAll(
          workersOf(target, this.shape).map(async (id) => {
            const before = await this.stopWorker(id, 0);
            return { id, before, after: await this.startWorker(id) };
          }),
        ),
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
      `redeploy ${formatTarget(target)} (${strategy}, fresh disks)`,
      async () => {
        if (strategy === 'rolling') {
          const changes: WorkerChange[] = [];
          for (const r of indices) changes.push(...(await this.replaceReplica(r)));
          return changes;
        }
        const stopped = await settleAll(indices.map((r) => this.removeReplica(r)));
        const started = await settleAll(
          indices.map((r) => this.addReplica(r, (this.generationOf(r) ?? 0) + 1)),
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
      const removed = before.filter((id) => !after.includes(id));
      const stops = await settleAll(
        removed.map(async (id) => ({ id, before: await this.stopWorker(id, this.o.app.stopGraceMs) })),
      );
      for (const r of range(this.shape.replicas).filter((r) => r > next.replicas)) {
        await this.replicas.get(r)?.disk.dispose();
        this.replicas.delete(r);
      }
      this.shape = next;
      await settleAll(
        range(next.replicas)
          .filter((r) => !this.replicas.has(r))
          .map(async (r) => this.replicas.set(r, await this.newReplica(r, (this.generationOf(r) ?? 0) + 1))),
      );
      const starts = await settleAll(
        after
          .filter((id) => !before.includes(id))
          .map(async (id) => ({ id, after: await this.startWorker(id) })),
      );
      return [...stops, ...starts];
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.live.keys()].map((id) => this.stopWorker(id, this.o.app.stopGraceMs)));
    await Promise.allSettled(
      [...[...this.replicas.values()].map((r) => r.disk), ...this.pastDisks].map((d) => d.dispose()),
    );
    this.replicas.clear();
  }

  // --- internals ---

  private readonly pastGenerations = new Map<number, number>();
  /** Disks of replaced generations not yet disposed (a failed rolling redeploy). */
  private readonly pastDisks: ReplicaDisk[] = [];
  private generationOf(r: number): number | undefined {
    return this.replicas.get(r)?.generation ?? this.pastGenerations.get(r);
  }

  private async newReplica(index: number, generation: number): Promise<Replica> {
    const dir = path.join(this.o.runDir, `r${index}.g${generation}`);
    const disk = await createReplicaDisk({
      appDir: this.o.app.cwd,
      dir,
      copyDir: path.join(this.o.copyDir, `r${index}.g${generation}`),
      isolation: this.o.app.isolation,
      link: this.o.app.link,
      registry: this.o.registry,
      ...(this.o.onOutsideWrites ? { onOutside: this.o.onOutsideWrites } : {}),
      label: `${this.o.scope} replica r${index}`,
    });
    this.pastGenerations.set(index, generation);
    return { index, generation, disk };
  }

  /** Rolling: the replica's new generation boots beside the old one, then the old one stops. */
  private async replaceReplica(r: number): Promise<WorkerChange[]> {
    const old = this.replicas.get(r);
    if (!old) return [];
    const ids = workerOrder(this.shape).filter((id) => id.startsWith(`r${r}w`));
    const fresh = await this.newReplica(r, old.generation + 1);
    const oldWorkers = new Map(ids.map((id) => [id, this.live.get(id)]));
    this.replicas.set(r, fresh);
    let started: { id: WorkerId; after: WorkerChange['after'] }[];
    try {
      started = await settleAll(ids.map(async (id) => ({ id, after: await this.startWorker(id) })));
    } catch (e) {
      // The scenario ends in an error: stop both generations rather than guess which to keep.
      await Promise.allSettled([...oldWorkers.values()].map((w) => w?.proc.kill()));
      this.pastDisks.push(old.disk);
      throw e;
    }
    const stopped = await settleAll(
      ids.map(async (id) => {
        const w = oldWorkers.get(id);
        if (!w) return { id };
        const result = await w.proc.stop(this.o.app.stopGraceMs, this.signalled(w.info, 'SIGTERM'));
        await w.proc.output.close();
        this.o.onEvent?.({ type: 'worker-stopped', id, pid: w.proc.pid, ...result });
        return { id, before: { pid: w.proc.pid, ...result } };
      }),
    );
    await old.disk.dispose();
    return mergeChanges(stopped, started);
  }

  private async removeReplica(r: number): Promise<WorkerChange[]> {
    const ids = workerOrder(this.shape).filter((id) => id.startsWith(`r${r}w`));
    const changes = await settleAll(
      ids.map(async (id) => ({ id, before: await this.stopWorker(id, this.o.app.stopGraceMs) })),
    );
    await this.replicas.get(r)?.disk.dispose();
    this.replicas.delete(r);
    return changes;
  }

  private async addReplica(r: number, generation: number): Promise<WorkerChange[]> {
    this.replicas.set(r, await this.newReplica(r, generation));
    const ids = workerOrder(this.shape).filter((id) => id.startsWith(`r${r}w`));
    return settleAll(ids.map(async (id) => ({ id, after: await this.startWorker(id) })));
  }

  private async stopWorker(id: WorkerId, graceMs: number): Promise<WorkerChange['before']> {
    const w = this.live.get(id);
    if (!w) return undefined;
    this.live.delete(id);
    const result =
      graceMs > 0
        ? await w.proc.stop(graceMs, this.signalled(w.info, 'SIGTERM'))
        : { exit: await w.proc.kill(this.signalled(w.info, 'SIGKILL')), forced: true };
    await w.proc.output.close();
    this.o.onEvent?.({ type: 'worker-stopped', id, pid: w.proc.pid, ...result });
    return { pid: w.proc.pid, ...result };
  }

  private signalled(w: WorkerInfo, signal: 'SIGTERM' | 'SIGKILL'): () => void {
    return () => this.o.onEvent?.({ type: 'worker-signalled', id: w.id, pid: w.pid, port: w.port, signal });
  }

  private async startWorker(id: WorkerId): Promise<WorkerChange['after']> {
    const { replica, worker } = parseWorkerId(id);
    const rep = this.replicas.get(replica);
    if (!rep) throw new Error(`replica r${replica} has no disk`);
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const { info, proc, bootMs } = await launchWorker(this.o, {
      id,
      replica,
      worker,
      disk: rep.disk,
      generation: rep.generation,
      incarnation,
      signal: AbortSignal.any([this.aborted.signal, ...(this.o.signal ? [this.o.signal] : [])]),
    }).catch((e: unknown) => {
      if (!(e instanceof AbortedError)) this.aborted.abort();
      throw e;
    });
    if (this.stopped) {
      await proc.kill();
      throw new AbortedError(`starting worker ${id}: the topology was stopped meanwhile`);
    }
    this.live.set(id, { info, proc });
    this.o.onEvent?.({ type: 'worker-ready', worker: { ...info }, bootMs });
    return { pid: proc.pid, generation: rep.generation, bootMs };
  }
}
