import { AbortedError } from '../errors.ts';
import { type GroupProcess, type GroupSpec, spawnGroup } from './process-group.ts';

/**
 * Every process group amnesia started and has not yet seen gone. One per run, passed down
 * (not a module singleton). `killAll` is synchronous so that it can run in an `exit` handler,
 * the last line of defence against orphans when amnesia itself dies. Once closed, it refuses to
 * start anything: a lane still running after the run ended must not spawn what nothing will stop.
 */
export class ProcessRegistry {
  private readonly groups = new Map<GroupProcess, string>();
  private closed = false;

  /** Spawn a process group and track it until it is gone. */
  async spawn(spec: GroupSpec): Promise<GroupProcess> {
    if (this.closed) throw new AbortedError(`starting ${spec.name}`);
    const proc = await spawnGroup(spec);
    if (this.closed) {
      proc.signal('SIGKILL');
      throw new AbortedError(`starting ${spec.name}`);
    }
    this.groups.set(proc, spec.name);
    return proc;
  }

  /** The group is gone (or the caller took over its fate). */
  forget(proc: GroupProcess): void {
    this.groups.delete(proc);
  }

  /** SIGKILL every tracked group at once. Safe to call many times. */
  killAll(): void {
    for (const proc of this.groups.keys()) if (!proc.signal('SIGKILL')) this.groups.delete(proc);
  }

  /** Refuse new spawns, and kill what is left. */
  close(): void {
    this.closed = true;
    this.killAll();
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
