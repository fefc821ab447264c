import { styleText } from 'node:util';
import { AmnesiaError, formatProblem, type InputProblem, InvalidInputError } from '../errors.ts';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

type Style = Parameters<typeof styleText>[0];

/** Colour only for a terminal, and never when NO_COLOR is set (vitest-style tools get this wrong). */
export function painter(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv) {
  const on = Boolean((stream as { isTTY?: boolean }).isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
  return (style: Style, text: string) => (on ? styleText(style, text, { validateStream: false }) : text);
}

export function printProblems(io: Io, problems: readonly InputProblem[]): void {
  const paint = painter(io.stderr, io.env);
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
  const paint = painter(io.stderr, io.env);
  if (e instanceof AmnesiaError) {
    io.stderr.write(`${paint('red', '[amnesia]')} ${e.message}\n`);
    return e.exitCode;
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  io.stderr.write(`${paint('red', '[amnesia]')} internal error (please report it): ${detail}\n`);
  return 2;
}
