import { readdirSync, readFileSync } from 'node:fs';

/**
 * Processes that carry a run's id in their environment (`AMNESIA_RUN_ID`, which every worker gets
 * and everything it starts inherits) but are no longer in a process group amnesia tracks: a daemon
 * the app forked with `setsid` (or a double fork) outlives the kill of its worker's group.
 *
 * Found by reading `/proc/PID/environ`, which a normal user can read for its own processes: no
 * privilege, no native code. Why not the others: a cgroup per run needs root or a systemd
 * delegation (cgroup v1 here), and `prctl(PR_SET_CHILD_SUBREAPER)` needs a native addon (no
 * maintained npm package offers it prebuilt), and a subreaper only keeps orphans, it does not
 * say which run they came from. Limits: a daemon that clears its environment (`env -i`) escapes,
 * as does anything on a system without /proc (macOS), where this finds nothing.
 */
export interface StrayProcess {
  pid: number;
  /** Its command line, spaces for NULs, cut to 200 characters. */
  command: string;
}

/**
 * The processes (not zombies, not amnesia itself) whose environment has `AMNESIA_RUN_ID=runId`,
 * and `AMNESIA_SCOPE=scope` when a scope is given (one scenario of the run).
 */
export function findStrays(runId: string, scope?: string): StrayProcess[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: StrayProcess[] = [];
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${p}/environ`, 'latin1');
      if (!`\0${environ}`.includes(`\0AMNESIA_RUN_ID=${runId}\0`)) continue;
      if (scope !== undefined && !`\0${environ}`.includes(`\0AMNESIA_SCOPE=${scope}\0`)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const command = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 200);
      found.push({ pid, command });
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return found;
}

/**
 * SIGKILL every stray of the run (or of one scope), with its process group when it leads one, until
 * none is left (a daemon may fork while we kill) or `timeoutMs` passes. Returns what was found alive
 * at the first look, for the report.
 */
export async function killStrays(runId: string, scope?: string, timeoutMs = 3_000): Promise<StrayProcess[]> {
  const first = findStrays(runId, scope);
  const deadline = performance.now() + timeoutMs;
  for (let left = first; left.length > 0 && performance.now() < deadline; left = findStrays(runId, scope)) {
    for (const { pid } of left) {
      try {
        process.kill(-pid, 'SIGKILL'); // a setsid daemon leads its own group: its children go too
      } catch {}
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return first;
}
