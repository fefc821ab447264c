import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AmnesiaError } from '../errors.ts';
import { renderLoadHtml } from '../load/html-report.ts';
import { loadTest } from '../load/load.ts';
import { formatLoadEvent, formatLoadProgress, renderLoadSummary } from '../load/report.ts';
import type { LoadProgress, LoadTestEvent } from '../load/types.ts';
import { type FailedShare, LIMITS, parseFailedShare } from '../schema/primitives.ts';
import type { RuntimeName } from '../schema/runtime.ts';
import { type OpenWhen, openInBrowser, shouldOpen } from './open-report.ts';
import { LOAD_REPORT_FORMATS, oneOf } from './options.ts';
import { type Io, wantsColor } from './output.ts';
import { interruptible, parseDurationOption, parseIntOption } from './run-command.ts';

export interface LoadCommandOptions {
  config?: string;
  sessions?: string;
  turns?: string;
  concurrency?: string;
  replicas?: string;
  workers?: string;
  timeout?: string;
  maxFailed?: string;
  report?: string[];
  artifacts?: string;
  runtime?: RuntimeName;
  open?: OpenWhen;
}

/** `amnesia load [scenario]`: the load mode with progress on the terminal; returns the exit status. */
export async function loadCommand(
  scenario: string | undefined,
  opts: LoadCommandOptions,
  io: Io,
): Promise<number> {
  const reports = (opts.report ?? []).map(parseLoadReport);
  const tty = Boolean((io.stdout as { isTTY?: boolean }).isTTY);
  const color = wantsColor(io.stdout, io.env);
  const progress = progressPrinter(io, { tty, color });
  return interruptible(
    io,
    async (signal) => {
      const result = await loadTest({
        cwd: io.cwd,
        ...(opts.config ? { config: opts.config } : {}),
        ...(scenario ? { scenario } : {}),
        ...(opts.sessions
          ? { sessions: parseIntOption('--sessions', opts.sessions, 1, LIMITS.loadSessions) }
          : {}),
        ...(opts.turns ? { turns: parseIntOption('--turns', opts.turns, 2, LIMITS.loadTurns) } : {}),
        ...(opts.concurrency
          ? { concurrency: parseIntOption('--concurrency', opts.concurrency, 1, LIMITS.loadConcurrency) }
          : {}),
        ...(opts.replicas || opts.workers
          ? {
              topology: {
                ...(opts.replicas ? { replicas: parseIntOption('--replicas', opts.replicas, 1, 16) } : {}),
                ...(opts.workers ? { workers: parseIntOption('--workers', opts.workers, 1, 16) } : {}),
              },
            }
          : {}),
        ...(opts.timeout ? { turnTimeoutMs: parseDurationOption('--timeout', opts.timeout) } : {}),
        ...(opts.maxFailed !== undefined ? { maxFailed: parseMaxFailed(opts.maxFailed) } : {}),
        ...(opts.artifacts ? { artifactsDir: opts.artifacts } : {}),
        ...(opts.runtime ? { runtime: opts.runtime } : {}),
        onEvent: (e) => progress(e),
        signal,
      });
      io.stdout.write(renderLoadSummary(result, { color, cwd: io.cwd }));
      for (const { format, file } of reports) {
        const abs = path.resolve(io.cwd, file);
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(
          abs,
          format === 'html'
            ? renderLoadHtml(result, { cwd: io.cwd })
            : `${JSON.stringify(result, null, 2)}\n`,
        );
        io.stdout.write(`report: ${file}\n`);
      }
      const html = reports.find((r) => r.format === 'html');
      if (html && shouldOpen(opts.open ?? 'on-failure', result.exitCode, io)) openInBrowser(html.file, io);
      return result.exitCode;
    },
    'the load',
  );
}

/** `--max-failed 0.5%` or `--max-failed 3`. */
function parseMaxFailed(text: string): FailedShare {
  const share = parseFailedShare(text);
  if (!share)
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `--max-failed ${text}: expected a share of the turns such as 0.5% (at most 100%) or a whole number of turns such as 3`,
    );
  return share;
}

/** `json=FILE` (the result as JSON) or `html=FILE` (a page with a chart over time and the evidence). */
function parseLoadReport(spec: string): { format: (typeof LOAD_REPORT_FORMATS)[number]; file: string } {
  const [format, file] = spec.split('=', 2) as [string, string | undefined];
  const known = LOAD_REPORT_FORMATS.find((f) => f === format);
  if (!known || !file) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `--report ${spec}: the load mode writes ${oneOf(LOAD_REPORT_FORMATS.map((f) => `${f}=FILE`))}, e.g. --report html=load.html`,
    );
  }
  return { format: known, file };
}

/**
 * Progress on the terminal: events on lines of their own; the running counts on one status line
 * rewritten in place (at most ten times a second) on a terminal, or a line at every tenth of the
 * turns in a log.
 */
function progressPrinter(io: Io, o: { tty: boolean; color: boolean }): (e: LoadTestEvent) => void {
  let shown = '';
  let lastDraw = 0;
  let nextTenth = 1;
  const clear = () => {
    if (o.tty && shown) io.stdout.write('\r\u001b[2K');
    shown = '';
  };
  const draw = (p: LoadProgress) => {
    shown = formatLoadProgress(p, o);
    io.stdout.write(`\r\u001b[2K${shown}`);
  };
  return (e) => {
    if (e.type === 'load-progress') {
      const p = e.progress;
      if (o.tty) {
        const now = performance.now();
        if (now - lastDraw >= 100 || (p.sent === p.total && !p.sweep)) {
          lastDraw = now;
          draw(p);
        }
      } else if (!p.sweep && p.answered + p.failed - p.sweepTurns >= (p.total * nextTenth) / 10) {
        // A log gets a line per tenth of the traffic; a sweep gets its start and end lines.
        while (p.answered + p.failed - p.sweepTurns >= (p.total * nextTenth) / 10) nextTenth++;
        io.stdout.write(`${formatLoadProgress(p, o)}\n`);
      }
      return;
    }
    const line = formatLoadEvent(e, o);
    if (line === undefined) {
      if (e.type === 'load-end') clear();
      return;
    }
    const status = shown;
    clear();
    io.stdout.write(`${line}\n`);
    if (o.tty && status) {
      shown = status;
      io.stdout.write(status);
    }
  };
}
