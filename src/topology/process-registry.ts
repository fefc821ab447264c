import type { ChildProcess } from 'node:child_process';

/**
 * Every process group amnesia started and has not yet seen die. One per run, passed down
 * (not a module singleton); `killAll` is synchronous so that it can run in an `exit` handler,
 * which is the last line of defence against orphans when amnesia itself dies.
 */
export class ProcessRegistry {
  private readonly groups = new Map<number, string>();

  /** Track a child started with `detached: true` (it leads its own process group). */
  track(child: ChildProcess, label: string): void {
    if (child.pid === undefined) return;
    const pid = child.pid;
    this.groups.set(pid, label);
    child.once('exit', () => {
      // The leader is gone; its group may not be. Kill stragglers, then forget the group.
      signalGroup(pid, 'SIGKILL');
      this.groups.delete(pid);
    });
  }

  get size(): number {
    return this.groups.size;
  }

  labels(): string[] {
    return [...this.groups.values()];
  }

  /** SIGKILL every tracked group at once. Safe to call many times. */
  killAll(): void {
    for (const pid of this.groups.keys()) signalGroup(pid, 'SIGKILL');
  }

  /** Kill everything if the Node process exits while groups are still alive. Returns the uninstaller. */
  killOnExit(): () => void {
    const handler = () => this.killAll();
    process.once('exit', handler);
    return () => process.off('exit', handler);
  }
}

/** Signal a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
