import { waitFor } from '../disruptions/wait.ts';
import type { Topology } from '../scenario/types.ts';
import { type WorkerId, workerOrder } from '../scenario/workers.ts';
import type {
  DisruptionRecord,
  Runtime,
  StartedTopology,
  TopologyEvent,
  TopologyOptions,
  WorkerChange,
  WorkerInfo,
} from './types.ts';
import type { RunningProcess } from './worker-process.ts';

/** A running worker of any runtime: what the engine knows of it, and its process. */
export interface LiveWorker {
  info: WorkerInfo;
  proc: RunningProcess;
}

/**
 * What every runtime's topology (process, serverless, container) shares: what it answers about
 * the workers it runs, read off one table of them in the routing order of the current shape; how
 * a disruption is timed and recorded; disposal by `stop()`.
 */
export abstract class LiveWorkers<W extends LiveWorker> {
  protected readonly live = new Map<WorkerId, W>();
  protected shape: Topology;

  constructor(topology: Topology) {
    this.shape = { ...topology };
  }

  workers(): WorkerInfo[] {
    return workerOrder(this.shape).flatMap((id) => {
      const w = this.live.get(id);
      return w ? [{ ...w.info }] : [];
    });
  }

  worker(id: WorkerId): WorkerInfo | undefined {
    const w = this.live.get(id);
    return w ? { ...w.info } : undefined;
  }

  exitedOnItsOwn(id: WorkerId) {
    return this.live.get(id)?.proc.exit;
  }

  async exitWithin(id: WorkerId, ms: number) {
    return this.live.get(id)?.proc.exitWithin(ms);
  }

  outputTail(id: WorkerId, lines = 20): string[] {
    return this.live.get(id)?.proc.output.tail(lines) ?? [];
  }

  abstract stop(): Promise<void>;

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * Pause the workers: SIGSTOP, wait ms, SIGCONT. They are continued whatever ends the wait, a
   * cancelled run included: a stopped process would otherwise sit out every SIGTERM of the teardown.
   */
  protected async pauseWorkers(
    ids: readonly WorkerId[],
    ms: number,
    o: { onEvent?: ((e: TopologyEvent) => void) | undefined; signal?: AbortSignal | undefined },
  ): Promise<WorkerChange[]> {
    const paused = ids.flatMap((id) => {
      const w = this.live.get(id);
      return w ? [w] : [];
    });
    try {
      await Promise.all(
        paused.map(({ info, proc }) =>
          proc.pause(() =>
            o.onEvent?.({
              type: 'worker-signalled',
              id: info.id,
              pid: info.pid,
              port: info.port,
              signal: 'SIGSTOP',
            }),
          ),
        ),
      );
      await waitFor(ms, o.signal);
    } finally {
      await Promise.all(paused.map((w) => w.proc.resume()));
    }
    return paused.map((w) => ({ id: w.info.id }));
  }

  /** Carry out a disruption and record what it changed and how long it took. */
  protected async disrupt(
    kind: DisruptionRecord['kind'],
    description: string,
    act: () => Promise<WorkerChange[]>,
  ): Promise<DisruptionRecord> {
    const started = performance.now();
    const changes = await act();
    return { kind, description, changes, durationMs: performance.now() - started };
  }
}

/** A runtime whose topology boots when started, and is stopped again (all of it) if the boot fails. */
export function bootingRuntime(
  make: (options: TopologyOptions) => StartedTopology & { boot(): Promise<void> },
): Runtime {
  return {
    async start(options) {
      const t = make(options);
      try {
        await t.boot();
      } catch (e) {
        await t.stop();
        throw e;
      }
      return t;
    },
  };
}
