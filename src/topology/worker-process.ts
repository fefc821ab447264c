import { spawn } from 'node:child_process';
import type { ReadySpec } from '../config/types.ts';
import { type ExitInfo, formatExit } from '../errors.ts';
import { OutputLog } from './output-log.ts';
import { type ProcessRegistry, signalGroup, waitGroupGone } from './process-registry.ts';
import { waitReady } from './readiness.ts';

export interface ProcessSpec {
  name: string;
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  ready: ReadySpec;
  bootTimeoutMs: number;
  bootTimeoutKey: string;
  registry: ProcessRegistry;
  signal?: AbortSignal;
}

/** A started child process in its own process group, with its output and exit. */
export interface RunningProcess {
  readonly pid: number;
  readonly port: number;
  readonly output: OutputLog;
  readonly startedAt: number;
  /** Set once the process exited. */
  exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM the group, wait up to graceMs, then SIGKILL. Resolves with how it ended. */
  stop(graceMs: number): Promise<{ exit: ExitInfo; forced: boolean }>;
  /** SIGKILL the group. */
  kill(): Promise<ExitInfo>;
}

/** Spawn a process (its own group) and wait until it is ready. On failure it is killed, then the error thrown. */
export async function startProcess(spec: ProcessSpec): Promise<RunningProcess> {
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new Error('empty command');
  const output = new OutputLog(spec.logFile);
  const startedAt = Date.now();
  const child = spawn(cmd, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnError = new Promise<ExitInfo>((resolve) =>
    child.once('error', (e) => {
      output.note(`could not start: ${e.message}`);
      resolve({ code: 127, signal: null });
    }),
  );
  spec.registry.track(child, spec.name);
  output.follow(child.stdout, 'stdout');
  output.follow(child.stderr, 'stderr');
  const exitedNormally = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = Promise.race([exitedNormally, spawnError]);
  const pid = child.pid ?? -1;
  output.note(`started ${spec.name} pid ${pid} port ${spec.port}: ${spec.argv.join(' ')}`);

  const proc: RunningProcess = {
    pid,
    port: spec.port,
    output,
    startedAt,
    exit: undefined,
    exited,
    async stop(graceMs) {
      if (!signalGroup(pid, 0)) {
        spec.registry.forget(pid);
        return { exit: await exited, forced: false };
      }
      output.note(`SIGTERM (grace ${graceMs} ms)`);
      signalGroup(pid, 'SIGTERM');
      const gone = await waitGroupGone(pid, graceMs);
      if (!gone) {
        output.note(`still running after ${graceMs} ms: SIGKILL`);
        signalGroup(pid, 'SIGKILL');
        await waitGroupGone(pid, 5_000);
      }
      spec.registry.forget(pid);
      return { exit: await exited, forced: !gone };
    },
    async kill() {
      if (signalGroup(pid, 'SIGKILL')) {
        if (!proc.exit) output.note('SIGKILL');
        await waitGroupGone(pid, 5_000);
      }
      spec.registry.forget(pid);
      return exited;
    },
  };
  void exited.then((e) => {
    proc.exit = e;
    output.note(`${spec.name} pid ${pid} ${formatExit(e)}`);
  });

  try {
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
