import { constants as osConstants } from 'node:os';

/**
 * Every error amnesia raises on purpose is an `AmnesiaError` with a stable `code`.
 * Only the formatter (the CLI, the Action) adds the `[amnesia]` prefix; the exit status
 * follows from the class: bad input and environment problems are 2, never 1.
 */
export type AmnesiaErrorCode =
  | 'AMNESIA_INVALID_INPUT'
  | 'AMNESIA_INVALID_ARGUMENT'
  | 'AMNESIA_SCENARIO_FAILED'
  | 'AMNESIA_APP_EXITED'
  | 'AMNESIA_APP_BOOT_TIMEOUT'
  | 'AMNESIA_SERVICE_FAILED'
  | 'AMNESIA_TURN_FAILED'
  | 'AMNESIA_ABORTED'
  | 'AMNESIA_MISSING_DEPENDENCY'
  | 'AMNESIA_SPAWN_FAILED'
  | 'AMNESIA_NO_CONTAINER_ENGINE'
  | 'AMNESIA_CONTAINER_FAILED'
  /** The machine could not give amnesia what it needs (a free port, a socket for the mock LLM). */
  | 'AMNESIA_ENVIRONMENT'
  /** Misuses of the mock LLM's own API (programmatic use, user msw handlers). */
  | 'AMNESIA_LLM_TURN_IN_FLIGHT'
  | 'AMNESIA_LLM_NO_TURN'
  | 'AMNESIA_LLM_BAD_ARGUMENT'
  /** Only in results: a recall that would pass without memory, and amnesia's own bugs. */
  | 'AMNESIA_VACUOUS_RECALL'
  /** A load run's LLM request attributed to the wrong turn (its verdicts cannot be trusted). */
  | 'AMNESIA_MISATTRIBUTED'
  | 'AMNESIA_INTERNAL';

export class AmnesiaError extends Error {
  readonly code: AmnesiaErrorCode;
  /** Process exit status the CLI uses for this error. */
  readonly exitCode: number = 2;
  constructor(code: AmnesiaErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a file the user wrote, with where it is. */
export interface InputProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `steps[2].expect.recall[0]`; empty for the whole file. */
  field: string;
  message: string;
  hint?: string;
}

/** Config or scenario files that do not validate. Carries every problem found, not only the first. */
export class InvalidInputError extends AmnesiaError {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    super('AMNESIA_INVALID_INPUT', formatProblems(problems));
    this.problems = problems;
  }
}

export function formatProblem(p: InputProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const field = p.field ? ` ${p.field}:` : '';
  return `${where}${field} ${p.message}${p.hint ? `\n    hint: ${p.hint}` : ''}`;
}

export function formatProblems(problems: readonly InputProblem[]): string {
  const files = new Set(problems.map((p) => p.file)).size;
  const head = `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  return [head, ...problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function formatExit(e: ExitInfo): string {
  return e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
}

/** A process amnesia started (a worker, a service) did not become ready. */
export class BootError extends AmnesiaError {
  readonly process: string;
  readonly exit: ExitInfo | undefined;
  readonly tail: readonly string[];
  constructor(details: {
    process: string;
    waitingFor: string;
    elapsedMs: number;
    limitMs: number;
    limitKey: string;
    exit?: ExitInfo;
    tail: readonly string[];
    logFile?: string;
  }) {
    const secs = (ms: number) => `${(ms / 1000).toFixed(1)}`;
    const what = details.exit
      ? `${details.process} ${formatExit(details.exit)} before ${details.waitingFor} (after ${secs(details.elapsedMs)} s)`
      : `${details.process} was not ready after ${secs(details.limitMs)} s (${details.limitKey}): still waiting for ${details.waitingFor}`;
    super(
      details.exit ? 'AMNESIA_APP_EXITED' : 'AMNESIA_APP_BOOT_TIMEOUT',
      `${what}.${formatTail(details.tail, details.logFile)}`,
    );
    this.process = details.process;
    this.exit = details.exit;
    this.tail = details.tail;
  }
}

export function formatTail(tail: readonly string[], logFile?: string): string {
  const where = logFile ? ` (full output: ${logFile})` : '';
  if (tail.length === 0) return `\n  It printed nothing${where}.`;
  return `\n  Last ${tail.length} output line${tail.length === 1 ? '' : 's'}${where}:\n${tail.map((l) => `    | ${l}`).join('\n')}`;
}

/** The run was cancelled (Ctrl-C, SIGTERM, SIGHUP, or the caller's AbortSignal). */
export class AbortedError extends AmnesiaError {
  /** 128 + the signal's number, as shells report it (SIGINT 130, SIGTERM 143, SIGHUP 129); 130 by default. */
  override readonly exitCode: number;
  /** What had been done when it was cancelled (`2 of 13 scenarios finished: …`), if known. */
  readonly detail: string | undefined;
  /** The signal that cancelled it, when one did (the CLI knows; a caller's AbortSignal does not say). */
  readonly signal: NodeJS.Signals | undefined;
  constructor(what = 'the run', signal?: NodeJS.Signals, detail?: string, options?: ErrorOptions) {
    super(
      'AMNESIA_ABORTED',
      `${what} was cancelled${signal ? ` by ${signal}` : ''}${detail ? `: ${detail}` : ''}`,
      options,
    );
    this.exitCode = signalExitCode(signal ?? 'SIGINT');
    this.detail = detail;
    this.signal = signal;
  }
}

/** The exit status a shell reports for a process ended by `signal`. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}
