import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AmnesiaError } from '../errors.ts';
import { probe } from '../probe/probe.ts';
import {
  formatEvent,
  type Reporter,
  type ReportFormat,
  renderProbe,
  reporterFor,
  terminalReporter,
} from '../report/index.ts';
import { run } from '../run/run.ts';
import { DURATION_PATTERN, parseDuration } from '../schema/primitives.ts';
import { type Io, painter } from './output.ts';

export interface RunCommandOptions {
  config?: string;
  tags?: string;
  bail?: boolean;
  timeout?: string;
  seed?: string;
  concurrency?: string;
  report?: string[];
  artifacts?: string;
  probe?: 'on-failure' | 'always' | 'never';
}

const FORMATS: ReportFormat[] = ['json', 'junit', 'markdown'];

/** `amnesia run`: the engine with a terminal reporter, report files, and Ctrl-C handling. Returns the exit status. */
export async function runCommand(files: string[], opts: RunCommandOptions, io: Io): Promise<number> {
  const reports = (opts.report ?? []).map(parseReport);
  const color = painter(io.stdout, io.env)('bold', 'x') !== 'x';
  const reporters: Reporter[] = [
    terminalReporter((t) => io.stdout.write(t), { color, cwd: io.cwd }),
    ...reports.map(({ format, file }) =>
      reporterFor(
        format,
        async (text) => {
          const abs = path.resolve(io.cwd, file);
          await mkdir(path.dirname(abs), { recursive: true });
          await writeFile(abs, text);
        },
        { cwd: io.cwd },
      ),
    ),
  ];

  using interrupt = onInterrupt(io);
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
    ...(opts.artifacts ? { artifactsDir: opts.artifacts } : {}),
    onEvent: (e) => {
      for (const r of reporters) r.onEvent?.(e);
    },
    ...(opts.probe ? { probe: opts.probe } : {}),
    signal: interrupt.signal,
  });
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
  return result.exitCode;
}

/** `amnesia probe`: the ladder alone, with progress, then the signature and the diagnosis. */
export async function probeCommand(
  opts: { config?: string; replicas?: string; workers?: string },
  io: Io,
): Promise<number> {
  const color = painter(io.stdout, io.env)('bold', 'x') !== 'x';
  using interrupt = onInterrupt(io);
  const result = await probe({
    cwd: io.cwd,
    ...(opts.config ? { config: opts.config } : {}),
    topology: {
      ...(opts.replicas ? { replicas: parseIntOption('--replicas', opts.replicas, 1, 16) } : {}),
      ...(opts.workers ? { workers: parseIntOption('--workers', opts.workers, 1, 16) } : {}),
    },
    onEvent: (e) => {
      const line = formatEvent(e, { color });
      if (line !== undefined) io.stdout.write(`${line}\n`);
    },
    signal: interrupt.signal,
  });
  io.stdout.write(
    `\n${renderProbe(result.diagnosis, { color, title: `probe ladder (${result.topology.replicas} × ${result.topology.workers})` })}`,
  );
  if (result.ladder.artifactsDir)
    io.stdout.write(`artifacts: ${path.relative(io.cwd, result.ladder.artifactsDir)}\n`);
  if (result.ladder.error) io.stdout.write(`${result.ladder.error.message}\n`);
  return result.exitCode;
}

/**
 * Ctrl-C (or SIGTERM) once: abort, so the engine stops everything it started. Twice: exit at
 * once; the run's exit hook SIGKILLs every process group it started.
 */
function onInterrupt(io: Io): { signal: AbortSignal } & Disposable {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write(
        `\n[amnesia] ${signal}: stopping every process amnesia started (again to kill them at once)\n`,
      );
      abort.abort();
    } else {
      io.stderr.write(`[amnesia] ${signal} again: killing everything now\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    [Symbol.dispose]() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function parseReport(spec: string): { format: ReportFormat; file: string } {
  const [format, file] = spec.split('=', 2) as [string, string | undefined];
  if (!FORMATS.includes(format as ReportFormat) || !file) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `--report ${spec}: expected FORMAT=FILE with FORMAT one of ${FORMATS.join(', ')}, e.g. --report junit=amnesia.xml`,
    );
  }
  return { format: format as ReportFormat, file };
}

function parseDurationOption(flag: string, value: string): number {
  if (!DURATION_PATTERN.test(value))
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${flag} ${value}: expected a duration such as 500ms, 20s or 2m`,
    );
  return parseDuration(value);
}

function parseIntOption(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${flag} ${value}: expected a whole number from ${min} to ${max}`,
    );
  return n;
}
