import type { ReadySpec } from '../config/types.ts';
import { BootError, type ExitInfo, formatExit } from '../errors.ts';
import type { PortAllocator } from './free-port.ts';
import { masker, secretValues } from './mask.ts';
import { type OutputCut, OutputLog } from './output-log.ts';
import type { GroupProcess } from './process-group.ts';
import type { ProcessRegistry } from './process-registry.ts';
import { waitReady } from './readiness.ts';

export interface ProcessSpec {
  name: string;
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The port the process was told to listen on; 0 when it picks its own and prints it (`portFromOutput`). */
  port: number;
  /** A line that reports the port the process listens on (first capture group); readiness waits for it. */
  portFromOutput?: RegExp;
  logFile: string;
  ready: ReadySpec;
  bootTimeoutMs: number;
  bootTimeoutKey: string;
  registry: ProcessRegistry;
  signal?: AbortSignal;
  /** Run as this user (amnesia must be root). */
  user?: { uid: number; gid: number };
  /** Lines for the log before the start note (why this is a second start). */
  preface?: readonly string[];
  /** Called once the log is closed, when it had to leave output out. */
  onOutputCut?: (cut: OutputCut) => void;
  /** Secrets in its environment, never written to its log as they are. */
  hidden?: readonly string[];
}

/** A started child process in its own process group, with its output and exit. */
export interface RunningProcess {
  readonly pid: number;
  readonly port: number;
  readonly output: OutputLog;
  readonly startedAt: number;
  /** Set once the process exited and its output drained. */
  readonly exit: ExitInfo | undefined;
  /** Resolves once the process exited and its output drained. */
  readonly exited: Promise<ExitInfo>;
  /**
   * SIGTERM the group, wait up to graceMs, then SIGKILL. Resolves with how it ended.
   * `onSignal` runs once the first signal has been sent (not when the process was already gone).
   */
  stop(graceMs: number, onSignal?: () => void): Promise<{ exit: ExitInfo; forced: boolean }>;
  /** SIGKILL the group; `onSignal` runs once the signal has been sent. */
  kill(onSignal?: () => void): Promise<ExitInfo>;
  /** SIGSTOP the group (a `pause`); `onSignal` runs once the signal has been sent. */
  pause(onSignal?: () => void): Promise<void>;
  /** SIGCONT the group if it was paused. `stop` does it too: a stopped process never acts on SIGTERM. */
  resume(): Promise<void>;
  /** Resolve with the exit if the process exits within ms (its output drained), else undefined. */
  exitWithin(ms: number): Promise<ExitInfo | undefined>;
}

/** Spawn a process (its own group) and wait until it is ready. On failure it is killed, then the error thrown. */
export async function startProcess(spec: ProcessSpec): Promise<RunningProcess> {
  // The app's output may print its environment (a DATABASE_URL with its password): never kept.
  const output = new OutputLog(spec.logFile, {
    mask: masker(secretValues(spec.env)),
    ...(spec.onOutputCut ? { onCut: spec.onOutputCut } : {}),
    ...(spec.hidden ? { hidden: spec.hidden } : {}),
  });
  const startedAt = Date.now();
  for (const line of spec.preface ?? []) output.note(line);
  let group: GroupProcess;
  try {
    group = await spec.registry.spawn({
      argv: spec.argv,
      cwd: spec.cwd,
      env: spec.env,
      name: spec.name,
      ...(spec.user ? { user: spec.user } : {}),
    });
  } catch (e) {
    output.note(`could not start: ${e instanceof Error ? e.message : String(e)}`);
    await output.close();
    throw e;
  }
  output.follow(group.stdout, 'stdout');
  output.follow(group.stderr, 'stderr');
  const pid = group.pid;
  let port = spec.port;
  output.note(`started ${spec.name} pid ${pid}${port ? ` port ${port}` : ''}: ${spec.argv.join(' ')}`);
  const reportedPort = spec.portFromOutput
    ? new Promise<void>((resolve) => {
        const off = output.onLine((line) => {
          const m = spec.portFromOutput?.exec(line);
          if (m?.[1]) {
            port = Number(m[1]);
            off();
            resolve();
          }
        });
      })
    : undefined;

  const waitGone = async (ms: number) => {
    const gone = await group.waitGone(ms);
    if (gone) spec.registry.forget(group);
    return gone;
  };
  let paused = false;
  const resume = async () => {
    if (!paused) return;
    paused = false;
    if (group.signal('SIGCONT')) output.note('SIGCONT');
  };
  const proc: RunningProcess = {
    pid,
    get port() {
      return port;
    },
    output,
    startedAt,
    get exit() {
      return group.exit;
    },
    exited: group.exited,
    async stop(graceMs, onSignal) {
      if (!group.signal(0)) {
        spec.registry.forget(group);
        return { exit: await group.exited, forced: false };
      }
      await resume(); // SIGTERM waits, pending, while the group is stopped
      output.note(`SIGTERM (grace ${graceMs} ms)`);
      group.signal('SIGTERM');
      onSignal?.();
      const gone = await waitGone(graceMs);
      if (!gone) {
        output.note(`still running after ${graceMs} ms: SIGKILL`);
        group.signal('SIGKILL');
        await waitGone(5_000);
      }
      return { exit: await group.exited, forced: !gone };
    },
    async kill(onSignal) {
      if (group.signal('SIGKILL')) {
        onSignal?.();
        if (!group.exit) output.note('SIGKILL');
        await waitGone(5_000);
      } else spec.registry.forget(group);
      return group.exited;
    },
    async pause(onSignal) {
      if (!group.signal('SIGSTOP')) return;
      paused = true;
      output.note('SIGSTOP');
      onSignal?.();
    },
    resume,
    async exitWithin(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      });
      try {
        return await Promise.race([group.exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  void group.exited.then((e) => output.note(`${spec.name} pid ${pid} ${formatExit(e)}`));

  try {
    await waitReady(spec.ready, {
      name: spec.name,
      port: spec.port,
      output,
      exited: group.exited,
      limitMs: spec.bootTimeoutMs,
      limitKey: spec.bootTimeoutKey,
      ...(reportedPort ? { reported: reportedPort } : {}),
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
  } catch (e) {
    await proc.kill();
    await output.close();
    throw e;
  }
  return proc;
}

const PORT_CLASH = /EADDRINUSE|address already in use/i;

/** How many ports a process gets before its clashes are reported as a failure. */
const PORT_TRIES = 4;

/**
 * Start a process on a port amnesia picked. Between the pick and the child's bind another process
 * can take the port (a busy machine, parallel runs): a process that exits saying EADDRINUSE before
 * it was ready is started again on another port, a few times. Returns the ports that were taken.
 */
export async function startOnFreePort(
  ports: PortAllocator,
  make: (port: number) => ProcessSpec,
): Promise<{ proc: RunningProcess; clashes: number[] }> {
  const clashes: number[] = [];
  for (;;) {
    const port = await ports.next();
    const preface = clashes.length
      ? [`port ${clashes.at(-1)} was taken before the process could bind it: starting again on port ${port}`]
      : [];
    try {
      return { proc: await startProcess({ ...make(port), preface }), clashes };
    } catch (e) {
      const clash = e instanceof BootError && e.exit && e.tail.some((l) => PORT_CLASH.test(l));
      if (!clash || clashes.length + 1 >= PORT_TRIES) throw e;
      clashes.push(port);
    }
  }
}
