import path from 'node:path';
import type { RequestHandler } from 'msw';
import {
  afterAll,
  beforeAll,
  describe,
  type RunnerTestFile,
  type RunnerTestSuite,
  TestRunner,
  test,
} from 'vitest';
import { slugify } from '../client/index.ts';
import { findConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { type InputProblem, InvalidInputError } from '../errors.ts';
import { expandScenarioPaths, loadScenarioFile } from '../scenario/load.ts';
import { configIn } from './config.ts';
import { ScenarioFailedError } from './errors.ts';
import { FileRun } from './file-run.ts';
import { recordWatched } from './watch.ts';

export interface DescribeScenariosOptions {
  /** `amnesia.config.yaml` (how to start and talk to the app), or a resolved config. @default './amnesia.config.yaml' */
  config?: string | ResolvedConfig;
  /** Where the patterns and the config path start. @default process.cwd() */
  cwd?: string;
  /**
   * Each scenario's test timeout in ms (booting topologies, disruptions, the probe ladder on a
   * failure); it takes precedence over vitest's `testTimeout` for these tests. @default 120_000
   */
  timeout?: number;
  /** Per-turn timeout in ms for every scenario (overrides scenario and config). */
  turnTimeout?: number;
  /** Seed for `random` routing (default: the config's, else a fresh one; a failure prints its replay command). */
  seed?: number;
  /** Run the probe ladder for a failed scenario and add its diagnosis. @default 'on-failure' */
  probe?: 'on-failure' | 'never';
  /** Run the scenarios of a file at once (vitest's `maxConcurrency` still applies), each on its own topology. */
  concurrent?: boolean;
  /** Extra msw handlers for the mock LLM (before the config's and the defaults). */
  llmHandlers?: RequestHandler[];
}

type Mode = 'run' | 'only' | 'skip';

/**
 * Scenario files as vitest tests: a `describe` per file, a `test` per scenario, so that `-t`,
 * `.only`, reporters, timeouts and the UI work as for any test. A scenario that does not pass
 * fails its test with the evidence `amnesia run` prints, pointing at the YAML line. The scenarios
 * of one call share one mock LLM and one embedded-database pool; each gets a fresh topology.
 *
 * @example
 * import { describeScenarios } from 'amnesia/vitest';
 * describeScenarios('scenarios/*.yaml', { config: 'amnesia.config.yaml' });
 */
export function describeScenarios(
  patterns: string | readonly string[],
  options: DescribeScenariosOptions = {},
) {
  register('run', patterns, options);
}

/** Like `describeScenarios`, and only these tests run in the file (`describe.only`). */
describeScenarios.only = (patterns: string | readonly string[], options: DescribeScenariosOptions = {}) =>
  register('only', patterns, options);

/** Like `describeScenarios`, with every test skipped (`describe.skip`). */
describeScenarios.skip = (patterns: string | readonly string[], options: DescribeScenariosOptions = {}) =>
  register('skip', patterns, options);

const DEFAULT_TIMEOUT_MS = 120_000;

function register(mode: Mode, patterns: string | readonly string[], options: DescribeScenariosOptions): void {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const list = typeof patterns === 'string' ? [patterns] : [...patterns];
  const { files, problems } = expandScenarioPaths(list, cwd);
  if (problems.length > 0) throw new InvalidInputError(relative(problems, cwd));
  const configFile =
    typeof options.config === 'object'
      ? options.config.file
      : options.config
        ? path.resolve(cwd, options.config)
        : findConfig(cwd);
  const testFile = TestRunner.getCurrentSuite().file;
  recordWatched(testFile, {
    cwd,
    patterns: list,
    ...(configFile ? { config: configFile } : {}),
  });

  let config: Promise<ResolvedConfig> | undefined;
  const loadConfig = () => {
    config ??= configIn(cwd, options.config);
    return config;
  };
  const run = new FileRun(cwd, loadConfig, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.turnTimeout ? { turnTimeoutMs: options.turnTimeout } : {}),
    ...(options.llmHandlers ? { llmHandlers: options.llmHandlers } : {}),
    diagnoseFailures: options.probe !== 'never',
  });
  beforeAll(() => {
    run.expect(countToRun(testFile, new Set(files)));
  });
  afterAll(() => run.close());

  const suite = mode === 'only' ? describe.only : mode === 'skip' ? describe.skip : describe;
  const slugs = new Set<string>();
  for (const file of files) {
    suite(path.relative(cwd, file) || file, { concurrent: options.concurrent ?? false }, async () => {
      const resolved = await loadConfig();
      const loaded = await loadScenarioFile(file, {
        topology: resolved.topology,
        topologySource: resolved.file ? path.relative(cwd, resolved.file) : 'the default 2 × 2',
      });
      if (!loaded.scenario) throw new InvalidInputError(relative(loaded.problems, cwd));
      const scenario = loaded.scenario;
      const slug = unique(slugify(scenario.name) || 'scenario', slugs);
      test(scenario.name, {
        timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
        meta: { amnesiaScenario: file },
      }, async ({ signal, onTestFinished }) => {
        const result = run.scenario(scenario, slug, signal);
        // After a timeout vitest moves on: hold the test's end until the scenario stopped all it started.
        onTestFinished(() => result.then(ignore, ignore));
        const r = await result;
        if (r.status !== 'passed') throw new ScenarioFailedError(r, cwd);
      });
    });
  }
}

/** Scenario tests of these files that will run (after `-t`, `.only` and `.skip`): how many databases to warm. */
function countToRun(suite: Readonly<RunnerTestSuite | RunnerTestFile>, files: ReadonlySet<string>): number {
  let n = 0;
  for (const t of suite.tasks) {
    if (t.type === 'suite') n += countToRun(t, files);
    else if (t.mode === 'run' && files.has(t.meta.amnesiaScenario ?? '')) n++;
  }
  return n;
}

function unique(base: string, taken: Set<string>): string {
  let slug = base;
  for (let i = 2; taken.has(slug); i++) slug = `${base}-${i}`;
  taken.add(slug);
  return slug;
}

function relative(problems: readonly InputProblem[], cwd: string): InputProblem[] {
  return problems.map((p) => ({ ...p, file: path.isAbsolute(p.file) ? path.relative(cwd, p.file) : p.file }));
}

const ignore = () => {};
