/**
 * Every error amnesia raises on purpose is an `AmnesiaError` with a stable `code`.
 * Only the formatter (the CLI, the Action) adds the `[amnesia]` prefix; the exit status
 * follows from the class: bad input and environment problems are 2, never 1.
 */
export type AmnesiaErrorCode =
  | 'AMNESIA_INVALID_INPUT'
  | 'AMNESIA_APP_EXITED'
  | 'AMNESIA_APP_BOOT_TIMEOUT'
  | 'AMNESIA_SERVICE_FAILED'
  | 'AMNESIA_TURN_FAILED'
  | 'AMNESIA_ABORTED';

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
