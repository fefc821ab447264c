import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { type CliOptions, createVitest } from 'vitest/node';

export interface InnerTest {
  /** `scenarios/x.yaml > scenario name` */
  fullName: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  /** Each error's message and stack, as vitest has them. */
  errors: { message: string; stack: string }[];
  /** Messages the test annotated itself with (`context.annotate`). */
  annotations: string[];
  /** Whether vitest runs it concurrently with its siblings. */
  concurrent: boolean;
}

export interface InnerRun {
  tests: InnerTest[];
  /** Collection errors of test files and suites (an invalid scenario file, a missing config). */
  moduleErrors: string[];
  /** What vitest printed, colours removed (its reporters write here, never to this process's output). */
  output: string;
}

/**
 * Run vitest programmatically on a folder, as a user's `npx vitest run` would (a test file per
 * `*.vitest.ts`), and return its test tree: the fixture's own tests stay out of this suite.
 */
export async function runVitest(root: string, options: CliOptions = {}): Promise<InnerRun> {
  let output = '';
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      output += chunk;
      done();
    },
  });
  const vitest = await createVitest(
    { root, config: false, include: ['**/*.vitest.ts'], watch: false, reporters: ['default'], ...options },
    {},
    { stdout, stderr: stdout },
  );
  try {
    const { testModules } = await vitest.start();
    const tests = testModules.flatMap((m) =>
      [...m.children.allTests()].map((t) => {
        const r = t.result();
        return {
          fullName: t.fullName,
          state: r.state,
          errors: (r.errors ?? []).map((e) => ({ message: e.message, stack: e.stack ?? '' })),
          annotations: t.annotations().map((a) => a.message),
          concurrent: t.options.concurrent === true,
        };
      }),
    );
    const moduleErrors = testModules.flatMap((m) => [
      ...m.errors().map((e) => e.message),
      ...[...m.children.allSuites()].flatMap((s) => s.errors().map((e) => e.message)),
    ]);
    // vitest colours its output even when it is not a terminal (unless NO_COLOR is set).
    return { tests, moduleErrors, output: stripVTControlCharacters(output) };
  } finally {
    await vitest.close();
  }
}
