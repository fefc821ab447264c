import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import type { ReadySpec } from '../config/types.ts';
import type { ExitInfo } from '../errors.ts';
import { formatExit } from '../errors.ts';
import { masker, secretValues } from '../topology/mask.ts';
import { type OutputCut, OutputLog } from '../topology/output-log.ts';
import { waitReady } from '../topology/readiness.ts';
import type { RunningProcess } from '../topology/worker-process.ts';
import { shellQuote } from '../util/shell.ts';
import type { DockerContainer } from './engine.ts';

export interface ExecSpec {
  name: string;
  container: DockerContainer;
  /** The command, run through the wrapper below (the image needs /bin/sh). */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** A folder to create before the command starts (the data dir when there is no volume). */
  mkdir?: string;
  port: number;
  logFile: string;
  ready: ReadySpec;
  bootTimeoutMs: number;
  bootTimeoutKey: string;
  signal?: AbortSignal;
  /** Called once the log is closed, when it had to leave output out. */
  onOutputCut?: (cut: OutputCut) => void;
  /** Secrets in its environment, never written to its log as they are. */
  hidden?: readonly string[];
}

const PID_LINE = /^amnesia-pid (\d+)$/;

/** A worker process in a container: what a child process is to the process runtime. */
export interface ExecProcess extends RunningProcess {
  /** Resolve with the exit if the process exits within ms (its output drained), else undefined. */
  exitWithin(ms: number): Promise<ExitInfo | undefined>;
}

/**
 * Start a process inside a running container (`docker exec`) and wait until it is ready. A
 * process started by exec leads its own session and process group, so signals go to its whole
 * group (`kill -SIG -PGID` through a second exec: portable to any engine, local or remote). The
 * wrapper prints the shell's pid, then `exec`s the command, so that pid is the app's own.
 */
export async function execProcess(spec: ExecSpec): Promise<ExecProcess> {
  const output = new OutputLog(spec.logFile, {
    mask: masker(secretValues(spec.env)),
    ...(spec.onOutputCut ? { onCut: spec.onOutputCut } : {}),
    ...(spec.hidden ? { hidden: spec.hidden } : {}),
  });
  const startedAt = Date.now();
  const prepare = spec.mkdir ? `mkdir -p ${shellQuote(spec.mkdir)} 2>/dev/null; ` : '';
  const exec = await spec.container.exec({
    Cmd: ['/bin/sh', '-c', `echo "amnesia-pid $$"; ${prepare}exec "$@"`, 'amnesia-worker', ...spec.argv],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: false,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  spec.container.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  void ended.then(() => {
    stdout.end();
    stderr.end();
  });

  // The first stdout line is the wrapper's pid; the rest is the app's.
  const appStdout = new PassThrough();
  const pid = await new Promise<number>((resolve) => {
    let head = '';
    let found = false;
    stdout.on('data', (chunk: Buffer) => {
      if (found) return void appStdout.write(chunk);
      head += chunk.toString('utf8');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      found = true;
      const m = PID_LINE.exec(head.slice(0, nl));
      resolve(m ? Number(m[1]) : -1);
      const rest = m ? head.slice(nl + 1) : head;
      if (rest) appStdout.write(rest);
    });
    stdout.on('end', () => {
      if (!found) {
        if (head) appStdout.write(head);
        resolve(-1);
      }
      appStdout.end();
    });
  });
  output.follow(appStdout, 'stdout');
  output.follow(stderr, 'stderr');
  output.note(
    `started ${spec.name} pid ${pid} port ${spec.port} in container ${shortId(spec.container.id)}: ${spec.argv.join(' ')}`,
  );

  const exited: Promise<ExitInfo> = ended.then(async () => {
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect().catch(() => undefined);
      if (!info?.Running) return exitInfo(info?.ExitCode ?? null);
      await new Promise((r) => setTimeout(r, 10));
    }
    return exitInfo(null);
  });

  const signalGroup = async (signal: 'TERM' | 'KILL' | 'STOP' | 'CONT'): Promise<void> => {
    if (pid <= 0) return;
    await runInContainer(spec.container, ['/bin/sh', '-c', `kill -${signal} -${pid} 2>/dev/null`]).catch(
      () => {},
    );
  };
  const exitWithin = (ms: number) =>
    Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
  const within = async (ms: number) => (await exitWithin(ms)) !== undefined;

  let exit: ExitInfo | undefined;
  let paused = false;
  const resume = async () => {
    if (!paused) return;
    paused = false;
    output.note('SIGCONT');
    await signalGroup('CONT');
  };
  const proc: ExecProcess = {
    pid,
    port: spec.port,
    output,
    startedAt,
    get exit() {
      return exit;
    },
    exited,
    exitWithin,
    async stop(graceMs, onSignal) {
      if (proc.exit) return { exit: proc.exit, forced: false };
      await resume(); // SIGTERM waits, pending, while the group is stopped
      output.note(`SIGTERM (grace ${graceMs} ms)`);
      await signalGroup('TERM');
      onSignal?.();
      const gone = await within(graceMs);
      if (!gone) {
        output.note(`still running after ${graceMs} ms: SIGKILL`);
        await signalGroup('KILL');
        await within(5_000);
      }
      return { exit: await exited, forced: !gone };
    },
    async pause(onSignal) {
      if (proc.exit) return;
      output.note('SIGSTOP');
      await signalGroup('STOP');
      paused = true;
      onSignal?.();
    },
    resume,
    async kill(onSignal) {
      if (!proc.exit) {
        output.note('SIGKILL');
        await signalGroup('KILL');
        onSignal?.();
      }
      await within(5_000);
      return exited;
    },
  };
  void exited.then((e) => {
    exit = e;
    output.note(`${spec.name} pid ${pid} ${formatExit(e)}`);
  });

  try {
    // A wrapper that printed no pid (no /bin/sh in the image) has exited: waitReady says so, with its output.
    await waitReady(spec.ready, {
      name: spec.name,
      port: spec.port,
      output,
      exited,
      limitMs: spec.bootTimeoutMs,
      limitKey: spec.bootTimeoutKey,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
  } catch (e) {
    await proc.kill();
    await output.close();
    throw e;
  }
  return proc;
}

/** Run a short command in the container and wait for it: its exit code. */
export async function runInContainer(
  container: DockerContainer,
  cmd: readonly string[],
): Promise<number | null> {
  const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
    stream.resume();
  });
  return (await exec.inspect()).ExitCode;
}

/** The engine reports a process killed by a signal as 128 + the signal's number. */
function exitInfo(code: number | null): ExitInfo {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code, signal: null };
}

export const shortId = (id: string) => id.slice(0, 12);
