import { AmnesiaError, formatProblem, type InputProblem, InvalidInputError } from '../errors.ts';
import { painter } from '../report/paint.ts';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Colour only for a terminal, and never when NO_COLOR is set (vitest-style tools get this wrong). */
export function wantsColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
}

export function printProblems(io: Io, problems: readonly InputProblem[]): void {
  const paint = painter(wantsColor(io.stderr, io.env));
  const files = new Set(problems.map((p) => p.file)).size;
  io.stderr.write(
    `${paint('red', '[amnesia]')} ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}:\n`,
  );
  for (const p of problems) {
    const [first, ...rest] = formatProblem(p).split('\n');
    io.stderr.write(`  ${paint('bold', first ?? '')}\n${rest.map((l) => `${paint('dim', l)}\n`).join('')}`);
  }
}

/** Any error → message on stderr and the exit status. Non-amnesia errors are bugs: show the stack. */
export function reportError(io: Io, e: unknown): number {
  if (e instanceof InvalidInputError) {
    printProblems(io, e.problems);
    return 2;
  }
  const paint = painter(wantsColor(io.stderr, io.env));
  if (e instanceof AmnesiaError) {
    io.stderr.write(`${paint('red', '[amnesia]')} ${e.message}\n`);
    return e.exitCode;
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  io.stderr.write(`${paint('red', '[amnesia]')} internal error (please report it): ${detail}\n`);
  return 2;
}
