import { execFile, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { AmnesiaError, type ExitInfo } from '../errors.ts';

/**
 * How long to wait, after a process exited, for its stdout and stderr to drain. A grandchild
 * that inherited a pipe can hold it open forever; the last lines of the process itself arrive
 * within milliseconds, even on a busy machine.
 */
export const DRAIN_CAP_MS = 3_000;

export interface GroupSpec {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Names the process in errors, e.g. `worker r1w1 of cross-worker`. */
  name: string;
  /**
   * Where the FIFOs of its output are made for a moment (default: the system's temp folder). A run
   * passes its scratch folder, so that a kill at that moment leaves nothing its reaper misses.
   */
  pipesDir?: string;
  /** Run as this user (amnesia must be root): servers that refuse root, such as PostgreSQL. */
  user?: { uid: number; gid: number };
}

/** A child process that leads its own process group, with its exit known only once its output drained. */
export interface GroupProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Set once `exited` resolved. */
  readonly exit: ExitInfo | undefined;
  /**
   * Resolves after the process exited and both pipes drained (Node's `close`), or DRAIN_CAP_MS after
   * the exit when something else still holds a pipe: never before the last line it printed was read.
   */
  readonly exited: Promise<ExitInfo>;
  /** Signal the whole group; false when nothing of it is left (or it was never ours to signal). */
  signal(signal: NodeJS.Signals | 0): boolean;
  /** Resolve true once no process of the group is left, false after timeoutMs. */
  waitGone(timeoutMs: number): Promise<boolean>;
}

/** The command could not be started at all (not found, not executable, bad cwd). */
export class SpawnError extends AmnesiaError {
  constructor(name: string, argv: readonly string[], cause: NodeJS.ErrnoException) {
    const why =
      cause.code === 'ENOENT'
        ? `\`${argv[0]}\` was not found (not on PATH, or the working directory does not exist)`
        : cause.code === 'EACCES'
          ? `\`${argv[0]}\` is not executable`
          : cause.message;
    super('AMNESIA_SPAWN_FAILED', `could not start ${name}: ${why}.`, { cause });
  }
}

/**
 * Spawn a process as the leader of its own group (`detached`), so that signals reach everything it
 * started. Rejects with SpawnError when the command cannot be started: there is then no process,
 * and no pid that could be signalled by mistake.
 */
export async function spawnGroup(spec: GroupSpec): Promise<GroupProcess> {
  const [cmd, ...args] = spec.argv;
  if (!cmd)
    throw new AmnesiaError('AMNESIA_SPAWN_FAILED', `could not start ${spec.name}: the command is empty`);
  const [out, err] = await osPipes(spec.pipesDir ?? tmpdir());
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(cmd, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out.write, err.write],
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new SpawnError(spec.name, spec.argv, e)));
    });
  } catch (e) {
    for (const p of [out, err]) closeSync(p.read);
    throw e;
  } finally {
    // The child holds its own copies now: the pipes end when it (and whatever inherited them) exits.
    for (const p of [out, err]) closeSync(p.write);
  }
  const pid = child.pid;
  if (pid === undefined || pid <= 1) throw new Error(`spawn of ${spec.name} gave no usable pid (${pid})`);
  const stdout = new Socket({ fd: out.read, readable: true, writable: false });
  const stderr = new Socket({ fd: err.read, readable: true, writable: false });

  let exit: ExitInfo | undefined;
  let gone = false;
  const exitedRaw = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const drained = Promise.all([stdout, stderr].map((s) => new Promise((r) => s.once('close', r))));
  const exited = exitedRaw.then(async (info) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capped = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_CAP_MS);
    });
    await Promise.race([drained, capped]);
    clearTimeout(timer);
    exit = info;
    return info;
  });

  const signal = (sig: NodeJS.Signals | 0): boolean => {
    if (gone) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      // ESRCH: the group is gone, and its id may be reused from now on: never signal it again.
      gone = true;
      return false;
    }
  };

  return {
    pid,
    stdout,
    stderr,
    get exit() {
      return exit;
    },
    exited,
    signal,
    /**
     * A graceful stop waits for the whole group, not only for the leader: the leader may be a shell
     * that dies at once on SIGTERM while the app under it is still saving its state.
     */
    async waitGone(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      let leaderExited = false;
      void exitedRaw.then(() => {
        leaderExited = true;
      });
      for (let delay = 2; ; delay = Math.min(delay * 1.5, 50)) {
        if (!signal(0)) return true;
        const left = deadline - performance.now();
        if (left <= 0) return false;
        // The leader's exit is most often the group's last moment: look again then, not at the next tick.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const tick = new Promise<void>((r) => {
          timer = setTimeout(r, Math.min(delay, left));
        });
        await (leaderExited ? tick : Promise.race([tick, exitedRaw]));
        clearTimeout(timer);
      }
    },
  };
}

const run = promisify(execFile);

interface Pipe {
  read: number;
  write: number;
}

/**
 * Real OS pipes (FIFOs), not the socket pairs Node's `stdio: 'pipe'` makes. A Node app that prints
 * a burst and calls `process.exit()` loses whatever did not fit a socket's small buffer (measured:
 * 2,000 short lines → about 680 arrived); into a pipe it writes them all, as under a shell or
 * a container runtime. Costs one `mkfifo` (about 4 ms) per process start.
 */
async function osPipes(parent: string): Promise<[Pipe, Pipe]> {
  const dir = await mkdtemp(path.join(parent, 'amnesia-fifo-'));
  try {
    const names = [path.join(dir, 'stdout'), path.join(dir, 'stderr')] as const;
    await run('mkfifo', ['-m', '600', ...names]);
    // The read end first, non-blocking (no writer yet); then the write end opens at once.
    const open = (name: string): Pipe => {
      const read = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
      return { read, write: openSync(name, constants.O_WRONLY) };
    };
    return [open(names[0]), open(names[1])];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
