import { AbortedError } from '../errors.ts';
import { type GroupProcess, type GroupSpec, spawnGroup } from './process-group.ts';
import type { Reaper } from './reaper.ts';

/**
 * Every process group amnesia started and has not yet seen gone. One per run, passed down
 * (not a module singleton). `killAll` is synchronous so that it can run in an `exit` handler,
 * the last line of defence against orphans when amnesia itself dies. Once closed, it refuses to
 * start anything: a lane still running after the run ended must not spawn what nothing will stop.
 */
export class ProcessRegistry {
  private readonly groups = new Map<GroupProcess, string>();
  private closed = false;
  private readonly reaper: Reaper | undefined;
  private readonly pipesDir: string | undefined;

  /**
   * With a reaper, every group is also killed when amnesia dies without running its exit hooks.
   * `pipesDir` (the run's scratch folder) is where output pipes are made.
   */
  constructor(reaper?: Reaper, pipesDir?: string) {
    this.reaper = reaper;
    this.pipesDir = pipesDir;
  }

  /** Spawn a process group and track it until it is gone. */
  async spawn(spec: GroupSpec): Promise<GroupProcess> {
    if (this.closed) throw new AbortedError(`starting ${spec.name}`);
    const proc = await spawnGroup({ ...(this.pipesDir ? { pipesDir: this.pipesDir } : {}), ...spec });
    if (this.closed) {
      proc.signal('SIGKILL');
      throw new AbortedError(`starting ${spec.name}`);
    }
    this.groups.set(proc, spec.name);
    this.reaper?.watchGroup(proc.pid);
    return proc;
  }

  /** The group is gone (or the caller took over its fate). */
  forget(proc: GroupProcess): void {
    if (this.groups.delete(proc)) this.reaper?.releaseGroup(proc.pid);
  }

  /** SIGKILL every tracked group at once. Synchronous (for exit hooks); safe to call many times. */
  killAll(): void {
    for (const proc of this.groups.keys()) if (!proc.signal('SIGKILL')) this.forget(proc);
  }

  /** Refuse new spawns, kill what is left, and wait until it is gone. */
  async close(): Promise<void> {
    this.closed = true;
    this.killAll();
    await Promise.all(
      [...this.groups.keys()].map(async (proc) => {
        if (await proc.waitGone(5_000)) this.forget(proc);
      }),
    );
  }

  /** Labels of the groups still tracked (for tests and leak reports). */
  live(): string[] {
    return [...this.groups].filter(([p]) => p.signal(0)).map(([, label]) => label);
  }

  /** Kill everything if the Node process exits while groups are still alive. Returns the uninstaller. */
  killOnExit(): () => void {
    const handler = () => this.killAll();
    process.once('exit', handler);
    return () => process.off('exit', handler);
  }
}
