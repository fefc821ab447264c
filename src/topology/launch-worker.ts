import path from 'node:path';
import type { WorkerId } from '../scenario/workers.ts';
import { renderShell } from '../util/shell.ts';
import { renderTemplate } from '../util/template.ts';
import type { ReplicaDisk } from './replica-disk.ts';
import type { TopologyOptions, WorkerInfo } from './types.ts';
import { type RunningProcess, startOnFreePort } from './worker-process.ts';

export interface LaunchedWorker {
  info: WorkerInfo;
  proc: RunningProcess;
  bootMs: number;
}

/**
 * Start one worker of the app on a disk, on a free port, and wait until it is ready. Its
 * environment: amnesia's own, the config's `app.env` (placeholders rendered), the disk's TMPDIR and
 * HOME, what the engine adds per worker (LLM URL, services, ids), and the port.
 * On a copy, an `app.env` path into the app folder points into the replica's copy instead, as on
 * an overlay (where the app folder's path is the replica's view).
 */
export async function launchWorker(
  o: TopologyOptions,
  w: {
    id: WorkerId;
    replica: number;
    worker: number;
    disk: ReplicaDisk;
    generation: number;
    incarnation: number;
    signal: AbortSignal;
  },
): Promise<LaunchedWorker> {
  const { id, replica, worker, disk, incarnation } = w;
  const command = o.app.command;
  const logFile = path.join(o.logsDir, `${id}.${incarnation}.log`);
  const t0 = performance.now();
  const { proc, clashes } = await startOnFreePort(o.ports, (port) => {
    const input = { id, replica, worker, port, dataDir: disk.dataDir };
    const vars = { replica, worker, port, data_dir: disk.dataDir, ...o.placeholders?.(input) };
    const argv =
      typeof command === 'string'
        ? shellArgv(renderShell(command, vars))
        : command.map((a) => renderTemplate(a, vars));
    const env: NodeJS.ProcessEnv = {
      ...o.baseEnv,
      ...Object.fromEntries(
        Object.entries(o.app.env).map(([k, v]) => [k, onDisk(renderTemplate(v, vars), o.app.cwd, disk)]),
      ),
      TMPDIR: disk.tmpDir,
      HOME: disk.homeDir,
      ...o.workerEnv(input),
      [o.app.portEnv]: String(port),
    };
    return {
      name: `worker ${id} of ${o.scope}${incarnation > 1 ? ` (start #${incarnation})` : ''}`,
      argv: disk.wrap(argv),
      cwd: disk.mode === 'overlay' ? '/' : disk.cwd,
      env,
      port,
      logFile,
      ready: o.app.ready,
      bootTimeoutMs: o.app.bootTimeoutMs,
      bootTimeoutKey: 'app.boot_timeout',
      registry: o.registry,
      signal: w.signal,
      onOutputCut: (cut) => o.onEvent?.({ type: 'output-cut', id, cut }),
      ...(o.hidden ? { hidden: o.hidden } : {}),
    };
  });
  const info: WorkerInfo = {
    id,
    replica,
    worker,
    pid: proc.pid,
    port: proc.port,
    url: `http://127.0.0.1:${proc.port}`,
    generation: w.generation,
    incarnation,
    logFile,
    ...(clashes.length ? { portsTaken: clashes } : {}),
  };
  return { info, proc, bootMs: performance.now() - t0 };
}

/** A path into the app folder, as the disk's workers see that folder (its copy, in copy mode). */
function onDisk(value: string, appDir: string, disk: ReplicaDisk): string {
  if (disk.mode !== 'copy' || !(value === appDir || value.startsWith(`${appDir}/`))) return value;
  return disk.cwd + value.slice(appDir.length);
}

/**
 * A command line through /bin/sh. A simple command is `exec`ed, so that the worker's pid is the
 * app's own and signals reach it first-hand (dash does not exec the last command of `sh -c`);
 * leading assignments (`NODE_ENV=production node server.js`) go before `exec`, where the shell
 * applies them to the command. Anything with other shell syntax runs as written.
 */
export function shellArgv(command: string): string[] {
  const simple = !/[;&|<>()$`\\\n*?[\]{}!#~]/.test(command) && !/^\s*(exec|cd|export)\b/.test(command);
  if (!simple) return ['/bin/sh', '-c', command];
  const [, assignments = '', rest = ''] =
    /^\s*((?:[A-Za-z_]\w*=(?:"[^"]*"|'[^']*'|[^\s"'])*\s+)*)([\s\S]*)$/.exec(command) ?? [];
  return ['/bin/sh', '-c', `${assignments}exec ${rest}`];
}
