import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AmnesiaError } from '../errors.ts';

/** What a run leaves in each of its scratch folders, so that a later run can tell whether it is still alive. */
interface Owner {
  pid: number;
  /** When that pid started (clock ticks since boot, from /proc): a pid reused later does not match. */
  started: string | undefined;
  runId: string;
  /** Other folders of the run to remove with it (copies of the app inside the project). */
  also: string[];
}

const SCRATCH = /^amnesia-(\d{8}-[0-9a-f]{6})-/;

/**
 * A private scratch folder of a run in the system's temp folder, mode 0700 unless `mode` says
 * otherwise, marked with its owner so that a later run can clean it up if this one is killed.
 */
export async function makeScratch(
  runId: string,
  kind: string,
  also: string[] = [],
  mode = 0o700,
): Promise<string> {
  let dir: string;
  try {
    dir = await mkdtemp(path.join(tmpdir(), `amnesia-${runId}-${kind}-`));
  } catch (e) {
    throw noScratch(e as NodeJS.ErrnoException);
  }
  await chmod(dir, mode);
  const owner: Owner = { pid: process.pid, started: startTime(process.pid), runId, also };
  await writeFile(path.join(dir, 'owner.json'), JSON.stringify(owner));
  return dir;
}

/** The system's temp folder (TMPDIR) cannot take a scratch folder: the machine's problem, exit 2. */
function noScratch(e: NodeJS.ErrnoException): AmnesiaError {
  const where = process.env.TMPDIR ? `TMPDIR=${process.env.TMPDIR}` : `the temp folder ${tmpdir()}`;
  const why =
    e.code === 'ENOENT' || e.code === 'ENOTDIR'
      ? 'does not exist (or is not a folder)'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? 'is not writable'
        : `cannot take a new folder (${e.code ?? e.message})`;
  return new AmnesiaError(
    'AMNESIA_ENVIRONMENT',
    `${where} ${why}: amnesia keeps each run's scratch space (replica folders, logs, pipes) there. Create it, or point TMPDIR at a writable folder.`,
    { cause: e },
  );
}

/** Field 22 of /proc/PID/stat: when the process started. Undefined without /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Is the process that owns a run still the same process (not a pid reused since)? */
function alive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch {
    return false;
  }
  return owner.started === undefined || startTime(owner.pid) === owner.started;
}

/** Process groups of processes that belong to a run: its env id, or a scratch folder on their command line. */
function groupsOf(runId: string, dirs: readonly string[]): number[] {
  const groups = new Set<number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const ours =
        environ.includes(`AMNESIA_RUN_ID=${runId}\0`) ||
        dirs.some((d) => cmdline.includes(d) || cwd === d || cwd.startsWith(`${d}/`));
      if (!ours) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgid > 1 && pgid !== process.pid) groups.add(pgid);
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return [...groups];
}

/**
 * Remove what runs of this user that died without cleaning up (SIGKILL, a machine that lost
 * power…) left: their processes (workers, services, overlay holders) and their scratch folders.
 * Returns the run ids cleaned.
 */
export async function sweepLeftovers(): Promise<string[]> {
  const uid = process.getuid?.();
  const byRun = new Map<string, { dirs: string[]; also: string[] }>();
  let entries: string[];
  try {
    entries = await readdir(tmpdir());
  } catch {
    return [];
  }
  for (const name of entries) {
    const runId = SCRATCH.exec(name)?.[1];
    if (!runId) continue;
    const dir = path.join(tmpdir(), name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      const owner = JSON.parse(await readFile(path.join(dir, 'owner.json'), 'utf8')) as Owner;
      if (owner.runId !== runId || alive(owner)) continue;
      const run = byRun.get(runId) ?? { dirs: [], also: [] };
      run.dirs.push(dir);
      run.also.push(...owner.also.filter((a) => path.basename(a) === runId));
      byRun.set(runId, run);
    } catch {
      // no owner file (being created, or not amnesia's): leave it
    }
  }
  for (const [runId, run] of byRun) {
    for (const pgid of groupsOf(runId, run.dirs)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {}
    }
    await Promise.all([...run.dirs, ...run.also].map((d) => rm(d, { recursive: true, force: true })));
  }
  return [...byRun.keys()];
}
