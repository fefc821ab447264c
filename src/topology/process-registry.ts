import type { ChildProcess } from 'node:child_process';

/**
 * Every process group amnesia started and has not yet seen gone. One per run, passed down
 * (not a module singleton); `killAll` is synchronous so that it can run in an `exit` handler,
 * the last line of defence against orphans when amnesia itself dies.
 */
export class ProcessRegistry {
  private readonly groups = new Map<number, string>();

  /** Track a child started with `detached: true` (it leads its own process group). */
  track(child: ChildProcess, label: string): void {
    if (child.pid !== undefined) this.groups.set(child.pid, label);
  }

  /** The group is gone (see `waitGroupGone`). */
  forget(pgid: number): void {
    this.groups.delete(pgid);
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
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve true once no process of the group is left, false at the deadline. The leader may
 * be a shell that dies at once on SIGTERM while the app under it is still saving its state:
 * a graceful stop waits for the whole group, not only for the leader.
 */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 1.5, 50)) {
    if (!signalGroup(pgid, 0)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
  }
}
