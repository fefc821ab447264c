import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError, AmnesiaError, signalExitCode } from '../errors.ts';
import {
  formatEvent,
  type Reporter,
  type ReportFormat,
  renderProbe,
  reporterFor,
  terminalReporter,
} from '../report/index.ts';
import { probe } from '../run/probe.ts';
import { readJsonReport } from '../run/reports.ts';
import { run } from '../run/run.ts';
import { durationsOf, parseShard } from '../run/shard.ts';
import { DURATION_PATTERN, parseDuration } from '../schema/primitives.ts';
import type { RuntimeName } from '../schema/runtime.ts';
import type { RunResult } from '../types/results.ts';
import { type OpenWhen, openInBrowser, shouldOpen } from './open-report.ts';
import { REPORT_FORMATS } from './options.ts';
import { type Io, wantsColor } from './output.ts';

export interface RunCommandOptions {
  config?: string;
  tags?: string;
  bail?: boolean;
  timeout?: string;
  seed?: string;
  concurrency?: string;
  replicas?: string;
  workers?: string;
  shard?: string;
  shardDurations?: string;
  report?: string[];
  artifacts?: string;
  probe?: 'on-failure' | 'always' | 'never';
  open?: OpenWhen;
  runtime?: RuntimeName;
}

/** `amnesia run`: the engine with a terminal reporter, report files, and Ctrl-C handling. Returns the exit status. */
export async function runCommand(files: string[], opts: RunCommandOptions, io: Io): Promise<number> {
  const reports = (opts.report ?? []).map(parseReport);
  if (opts.shardDurations && !opts.shard)
    throw new AmnesiaError('AMNESIA_INVALID_INPUT', '--shard-durations balances a split: add --shard i/n');
  const shard = opts.shard ? parseShard(opts.shard) : undefined;
  const durations = opts.shardDurations
    ? durationsOf(await readJsonReport(opts.shardDurations, io.cwd))
    : undefined;
  const color = wantsColor(io.stdout, io.env);
  const reporters: Reporter[] = [
    terminalReporter((t) => io.stdout.write(t), { color, cwd: io.cwd }),
    ...fileReporters(reports, io),
  ];

  return interruptible(io, async (signal) => {
    const result = await run({
      cwd: io.cwd,
      ...(files.length ? { patterns: files } : {}),
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.tags
        ? {
            tags: opts.tags
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          }
        : {}),
      ...(opts.bail ? { bail: true } : {}),
      ...(opts.timeout ? { turnTimeoutMs: parseDurationOption('--timeout', opts.timeout) } : {}),
      ...(opts.seed !== undefined ? { seed: parseIntOption('--seed', opts.seed, 0, 2 ** 31 - 1) } : {}),
      ...(opts.concurrency ? { concurrency: parseIntOption('--concurrency', opts.concurrency, 1, 16) } : {}),
      ...(opts.replicas || opts.workers
        ? {
            topology: {
              ...(opts.replicas ? { replicas: parseIntOption('--replicas', opts.replicas, 1, 16) } : {}),
              ...(opts.workers ? { workers: parseIntOption('--workers', opts.workers, 1, 16) } : {}),
            },
          }
        : {}),
      ...(shard ? { shard: { ...shard, ...(durations ? { durations } : {}) } } : {}),
      ...(opts.artifacts ? { artifactsDir: opts.artifacts } : {}),
      onEvent: (e) => {
        for (const r of reporters) r.onEvent?.(e);
      },
      ...(opts.probe ? { probe: opts.probe } : {}),
      ...(opts.runtime ? { runtime: opts.runtime } : {}),
      signal,
    });
    await reportRun(result, reporters, reports, { io, color, open: opts.open ?? 'on-failure' });
    return result.exitCode;
  });
}

/** The run's reporters, its probe (unless a failed scenario already showed that ladder), and where reports went. */
async function reportRun(
  result: RunResult,
  reporters: Reporter[],
  reports: { format: ReportFormat; file: string }[],
  { io, color, open }: { io: Io; color: boolean; open: OpenWhen },
): Promise<void> {
  for (const r of reporters) await r.onRunEnd?.(result);
  // The run's probe, unless the summary already showed that very ladder for a failed scenario.
  const shown = (t: { replicas: number; workers: number }) =>
    result.scenarios.some(
      (s) => s.diagnosis && s.topology.replicas === t.replicas && s.topology.workers === t.workers,
    );
  if (result.probe && !shown(result.probe.topology)) {
    const { topology, diagnosis } = result.probe;
    io.stdout.write(
      `\n${renderProbe(diagnosis, { color, title: `probe ladder (${topology.replicas} × ${topology.workers})` })}`,
    );
  }
  for (const { file } of reports) io.stdout.write(`report: ${file}\n`);
  const html = reports.find((r) => r.format === 'html');
  if (html && shouldOpen(open, result.exitCode, io)) openInBrowser(html.file, io);
}

/** Reporters that write `--report FORMAT=FILE` files once the run ends. */
export function fileReporters(reports: { format: ReportFormat; file: string }[], io: Io): Reporter[] {
  return reports.map(({ format, file }) =>
    reporterFor(
      format,
      async (text) => {
        const abs = path.resolve(io.cwd, file);
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, text);
      },
      { cwd: io.cwd },
    ),
  );
}

/** `amnesia probe`: the ladder alone, with progress, then the signature and the diagnosis. */
export async function probeCommand(
  opts: {
    config?: string;
    replicas?: string;
    workers?: string;
    runtime?: RuntimeName;
    report?: string[];
    open?: OpenWhen;
  },
  io: Io,
): Promise<number> {
  const reports = (opts.report ?? []).map(parseReport);
  const color = wantsColor(io.stdout, io.env);
  return interruptible(
    io,
    async (signal) => {
      const result = await probe({
        cwd: io.cwd,
        ...(opts.config ? { config: opts.config } : {}),
        ...(opts.runtime ? { runtime: opts.runtime } : {}),
        topology: {
          ...(opts.replicas ? { replicas: parseIntOption('--replicas', opts.replicas, 1, 16) } : {}),
          ...(opts.workers ? { workers: parseIntOption('--workers', opts.workers, 1, 16) } : {}),
        },
        onEvent: (e) => {
          const line = formatEvent(e, { color });
          if (line !== undefined) io.stdout.write(`${line}\n`);
        },
        signal,
      });
      io.stdout.write(
        `\n${renderProbe(result.diagnosis, { color, title: `probe ladder (${result.topology.replicas} × ${result.topology.workers})` })}`,
      );
      if (result.ladder.artifactsDir)
        io.stdout.write(`artifacts: ${path.relative(io.cwd, result.ladder.artifactsDir)}\n`);
      if (result.ladder.error) io.stdout.write(`${result.ladder.error.message}\n`);
      // The ladder as a run of one scenario, its rungs' turns as evidence: every report format reads it.
      const asRun: RunResult = {
        runId: result.runId,
        seed: result.ladder.seed,
        startedAt: result.ladder.startedAt,
        durationMs: result.ladder.durationMs,
        exitCode: result.exitCode,
        scenarios: [result.ladder],
        probe: { topology: result.topology, diagnosis: result.diagnosis },
      };
      for (const r of fileReporters(reports, io)) await r.onRunEnd?.(asRun);
      for (const { file } of reports) io.stdout.write(`report: ${file}\n`);
      const html = reports.find((r) => r.format === 'html');
      if (html && shouldOpen(opts.open ?? 'on-failure', result.exitCode, io)) openInBrowser(html.file, io);
      return result.exitCode;
    },
    'the probe',
  );
}

/** Signals that end a run the way Ctrl-C does: a closed terminal or SSH session sends SIGHUP. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Ctrl-C (SIGTERM, SIGHUP, SIGQUIT) once: abort, so the engine stops everything it started, and
 * exit with 128 + the signal's number. Twice: exit at once; the run's exit hook SIGKILLs every
 * process group it started, and its reaper removes its folders. Once the command is over (its
 * reports written), a signal ends the process at once with 128 + that signal: the handlers stay
 * until the process exits, since a signal that arrived while the last of the work ran is only
 * dispatched at the next turn of the event loop, and would be lost with its listener.
 */
function onInterrupt(io: Io): { signal: AbortSignal; received(): NodeJS.Signals | undefined } & Disposable {
  const abort = new AbortController();
  let first: NodeJS.Signals | undefined;
  let over = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (over) {
      io.stderr.write(
        `\n[amnesia] ${signal}: the command was over; exiting with ${signalExitCode(signal)}\n`,
      );
      process.exit(signalExitCode(signal));
    } else if (!first) {
      first = signal;
      io.stderr.write(
        `\n[amnesia] ${signal}: stopping every process amnesia started (again to kill them at once)\n`,
      );
      abort.abort();
    } else {
      io.stderr.write(`[amnesia] ${signal} again: killing everything now\n`);
      process.exit(signalExitCode(first));
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  // While Node tears down, the event loop no longer runs: the default action (death by the signal)
  // is the right status then.
  process.once('exit', () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  });
  return {
    signal: abort.signal,
    received: () => first,
    [Symbol.dispose]() {
      over = true;
    },
  };
}

/**
 * Run `work` (the command, its reports included) with the stop signals handled. Once one has
 * arrived the command is cancelled, however `work` ends: it exits with 128 + the signal and says
 * so, never with the status of a run it cut short (a cancelled CI job must never look green).
 */
export async function interruptible(
  io: Io,
  work: (signal: AbortSignal) => Promise<number>,
  what = 'the run',
): Promise<number> {
  using interrupt = onInterrupt(io);
  let status: number;
  try {
    status = await work(interrupt.signal);
  } catch (e) {
    await nextTurn();
    const signal = interrupt.received();
    if (!signal) throw e;
    throw new AbortedError(what, signal, e instanceof AbortedError ? e.detail : undefined, { cause: e });
  }
  await nextTurn();
  const signal = interrupt.received();
  if (signal)
    throw new AbortedError(what, signal, `it had ended, with exit status ${status}, as the signal came`);
  return status;
}

/** A turn of the event loop: a signal caught while the last synchronous work ran is dispatched now. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function parseReport(spec: string): { format: ReportFormat; file: string } {
  const [format, file] = spec.split('=', 2) as [string, string | undefined];
  if (!(REPORT_FORMATS as readonly string[]).includes(format) || !file) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `--report ${spec}: expected FORMAT=FILE with FORMAT one of ${REPORT_FORMATS.join(', ')}, e.g. --report junit=amnesia.xml`,
    );
  }
  return { format: format as ReportFormat, file };
}

export function parseDurationOption(flag: string, value: string): number {
  if (!DURATION_PATTERN.test(value))
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${flag} ${value}: expected a duration such as 500ms, 20s or 2m`,
    );
  return parseDuration(value);
}

export function parseIntOption(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${flag} ${value}: expected a whole number from ${min} to ${max}`,
    );
  return n;
}
