import { request } from 'node:http';
import { connect } from 'node:net';
import type { ReadySpec } from '../config/types.ts';
import { AbortedError, BootError, type ExitInfo } from '../errors.ts';
import type { OutputLog } from './output-log.ts';

export interface ReadinessTarget {
  name: string;
  port: number;
  output: OutputLog;
  /** Resolves when the process exits. */
  exited: Promise<ExitInfo>;
  limitMs: number;
  limitKey: string;
  /** Resolves once the process printed the port it listens on (when it picks its own). */
  reported?: Promise<void>;
  signal?: AbortSignal;
}

/**
 * Wait until the process is ready by every check the spec names, racing its exit and the
 * deadline. HTTP is polled tightly at first (amnesia restarts apps hundreds of times a run,
 * and readiness lag is paid on every restart), backing off to 50 ms.
 */
export async function waitReady(spec: ReadySpec, t: ReadinessTarget): Promise<void> {
  const started = performance.now();
  const stop = new AbortController();
  const signals = [stop.signal, ...(t.signal ? [t.signal] : [])];
  const cancel = AbortSignal.any(signals);
  const checks: Promise<void>[] = [];
  if (t.reported) checks.push(t.reported);
  if (spec.log) checks.push(waitForLine(t.output, (l) => spec.log?.test(l) ?? false, cancel));
  if (spec.http) checks.push(pollHttp(t.port, spec.http, cancel));
  if (checks.length === 0) checks.push(pollTcp(t.port, cancel));
  const waitingFor =
    [spec.http ? `GET ${spec.http} answered` : '', spec.log ? `a line matching ${spec.log.source}` : '']
      .filter(Boolean)
      .join(' and ') || `port ${t.port} accepted connections`;

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), t.limitMs);
  });
  try {
    const outcome = await Promise.race([
      Promise.all(checks).then(() => 'ready' as const),
      t.exited.then((exit) => ({ exit })),
      deadline,
      ...(t.signal ? [aborted(t.signal)] : []),
    ]);
    if (outcome === 'ready') return;
    if (outcome === 'aborted') throw new AbortedError(`waiting for ${t.name}`);
    const elapsedMs = performance.now() - started;
    throw new BootError({
      process: t.name,
      waitingFor,
      elapsedMs,
      limitMs: t.limitMs,
      limitKey: t.limitKey,
      ...(outcome === 'timeout' ? {} : { exit: outcome.exit }),
      tail: t.output.tail(20),
      logFile: t.output.path,
    });
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

function aborted(signal: AbortSignal): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

function waitForLine(
  output: OutputLog,
  match: (line: string) => boolean,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (output.tail(200).some(match)) return resolve();
    const off = output.onLine((line) => {
      if (match(line)) {
        off();
        resolve();
      }
    });
    signal.addEventListener('abort', off, { once: true });
  });
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

async function poll(attempt: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  for (let delay = 2; !signal.aborted; delay = Math.min(delay * 1.5, 50)) {
    if (await attempt()) return;
    await pause(delay, signal);
  }
}

function pollHttp(port: number, path: string, signal: AbortSignal): Promise<void> {
  const attempt = () =>
    new Promise<boolean>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 2000 },
        (res) => {
          res.resume();
          resolve((res.statusCode ?? 500) < 400);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  return poll(attempt, signal);
}

function pollTcp(port: number, signal: AbortSignal): Promise<void> {
  const attempt = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  return poll(attempt, signal);
}
