import path from 'node:path';
import type { RequestHandler } from 'msw';
import { appFolderPaths, sharedPaths } from '../config/shared-paths.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { AbortedError, AmnesiaError, InvalidInputError } from '../errors.ts';
import { newSeed } from '../plan/random.ts';
import type { Scenario, Topology } from '../scenario/types.ts';
import type { RuntimeName } from '../schema/runtime.ts';
import type { RunEvent, RunResult, ScenarioResult } from '../types/results.ts';
import { load } from '../validate.ts';
import { diagnose } from '../verdict/diagnosis.ts';
import { type ReplayInput, replayCommand } from './replay.ts';
import { RunSession } from './session.ts';
import { type ShardSpec, selectShard } from './shard.ts';
import { assignSlugs } from './slugs.ts';

export interface RunOptions {
  /** Scenario files, folders or globs (default: the config's `scenarios`). Ignored when `scenarios` is given. */
  patterns?: readonly string[];
  /** Already loaded scenarios (programmatic use); `config` must then be a ResolvedConfig. */
  scenarios?: readonly Scenario[];
  /** A config file path, or a resolved config. Default: ./amnesia.config.yaml. */
  config?: string | ResolvedConfig;
  cwd?: string;
  /** Only scenarios with one of these tags. */
  tags?: readonly string[];
  /** Where the topology runs, instead of the config's `app.runtime` (`container` needs `app.image` or `app.build`). */
  runtime?: RuntimeName;
  /**
   * Only this shard's part of the (tag-selected) scenarios, for a suite split over machines.
   * With `durations` (from a previous run's report, see `durationsOf`) the split is balanced by time.
   */
  shard?: ShardSpec;
  /** Replaces the config's topology (scenarios that set their own `topology` keep it). */
  topology?: Partial<Topology>;
  /** Stop starting scenarios after the first that does not pass. */
  bail?: boolean;
  /** Per-turn timeout for every scenario, in ms (overrides scenario and config). */
  turnTimeoutMs?: number;
  /** Seed for `random` routing (default: config `seed`, else a fresh one, reported in the result). */
  seed?: number;
  /** Scenarios run at once, each on its own topology. @default 1 */
  concurrency?: number;
  /** Where failed scenarios leave artifacts. @default `<cwd>/.amnesia/runs/<runId>` */
  artifactsDir?: string;
  /** Extra msw handlers for the mock LLM (before the config's and the defaults). */
  llmHandlers?: RequestHandler[];
  /**
   * When to run the probe ladder: for each failed scenario (`on-failure`), also once for the
   * run's topology even when everything passed (`always`, result in `RunResult.probe`), or never.
   * @default 'on-failure'
   */
  probe?: 'on-failure' | 'always' | 'never';
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
}

/**
 * Run scenarios against the app under test and return what happened, as data.
 * Bad input throws InvalidInputError (exit 2); a cancelled run throws AbortedError after
 * everything it started is stopped. The app's faults are results, not exceptions.
 *
 * @example
 * const result = await run({ patterns: ['scenarios/crash.yaml'] });
 * if (result.exitCode !== 0) console.log(result.scenarios.filter((s) => s.status !== 'passed'));
 */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const input = await resolveInput(options, cwd);
  const config = withRuntime(input.config, options.runtime);
  const { scenarios } = input;
  const tagged = options.tags?.length
    ? scenarios.filter((s) => s.tags.some((t) => options.tags?.includes(t)))
    : scenarios;
  // Slugs come from the whole selection, so a scenario has the same one in every shard.
  const slugs = assignSlugs(tagged);
  const slugOf = (s: Scenario) => slugs.get(s) as string;
  const selected = options.shard ? selectShard(tagged, options.shard) : tagged;
  const seed = options.seed ?? config.seed ?? newSeed();
  const onEvent = options.onEvent ?? (() => {});
  const startedAt = Date.now();
  // One lane's unexpected error (a full disk while writing artifacts) stops the others before the
  // session closes: nothing may still run, or spawn, once its processes and folders are gone.
  const laneFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, laneFailed.signal]) : laneFailed.signal;
  const session = await RunSession.open({
    cwd,
    config,
    seed,
    onEvent,
    ...(options.turnTimeoutMs ? { turnTimeoutMs: options.turnTimeoutMs } : {}),
    ...(options.artifactsDir ? { artifactsDir: options.artifactsDir } : {}),
    ...(options.llmHandlers ? { llmHandlers: options.llmHandlers } : {}),
    signal,
    diagnoseFailures: options.probe !== 'never',
    longTerm: selected.some((s) => s.tags.includes('long-term')),
  });
  session.pending = selected.length;
  const replay: ReplayInput = {
    cwd,
    configFile: config.file,
    seed,
    ...(options.turnTimeoutMs ? { turnTimeoutMs: options.turnTimeoutMs } : {}),
    ...(options.probe ? { probe: options.probe } : {}),
  };
  onEvent({ type: 'run-start', runId: session.runId, seed, scenarios: selected.length });

  const results: ScenarioResult[] = new Array(selected.length);
  /** Why scenarios were left unstarted, when one was (`--bail` after a scenario that did not pass). */
  let skipReason: string | undefined;
  let stopStarting = false;
  let probeSummary: RunResult['probe'];
  let next = 0;
  const lane = async () => {
    while (!stopStarting && next < selected.length && !signal.aborted) {
      const i = next++;
      const s = selected[i] as Scenario;
      const r = await session.runScenario(s, slugOf(s), replayCommand(s.file, replay));
      results[i] = r;
      if (options.bail && r.status !== 'passed' && !stopStarting) {
        skipReason = `--bail: the run stopped starting scenarios after "${s.name}" ${r.status === 'error' ? 'could not be judged' : 'failed'}`;
        stopStarting = true;
        session.pending = 0;
      }
    }
  };
  try {
    const count = Math.max(1, Math.min(options.concurrency ?? 1, selected.length));
    const lanes = await Promise.allSettled(
      Array.from({ length: count }, () =>
        lane().catch((e: unknown) => {
          if (!(e instanceof AbortedError)) laneFailed.abort();
          throw e;
        }),
      ),
    );
    const failures = lanes.flatMap((l) => (l.status === 'rejected' ? [l.reason as unknown] : []));
    const cause = failures.find((e) => !(e instanceof AbortedError)) ?? failures[0];
    if (cause !== undefined) throw cause;
    // The lanes stop starting scenarios once the signal aborts: a cancelled run is never a result.
    if (signal.aborted) throw new AbortedError();
    if (options.probe === 'always') {
      const { outcome } = await session.ladder(config.topology);
      probeSummary = {
        topology: config.topology,
        diagnosis: diagnose(outcome.rungs, {
          leak: outcome.leak,
          scenarioFailed: false,
          appErrors: outcome.appErrors,
          cookieReplaced: outcome.cookieReplaced,
        }),
      };
    }
  } catch (e) {
    throw options.signal?.aborted
      ? new AbortedError('the run', undefined, progressOf(results, selected.length))
      : e;
  } finally {
    await session.close();
  }
  // Cancelled while the last scenario's processes were being stopped: still cancelled.
  if (options.signal?.aborted)
    throw new AbortedError('the run', undefined, progressOf(results, selected.length));
  const done = selected.map(
    (s, i) => results[i] ?? skipped(s, slugOf(s), config, replayCommand(s.file, replay), seed),
  );
  const unstarted = done.some((r) => r.status === 'skipped');
  // Only `--bail` leaves scenarios unstarted on purpose; anything else would be a run that did not
  // do what it was asked, and must not look green.
  const reason = unstarted
    ? (skipReason ?? 'scenarios were left unstarted for no known reason (a bug: please report it)')
    : undefined;
  const shared = sharedPaths(config);
  const own = appFolderPaths(config);
  const result: RunResult = {
    runId: session.runId,
    seed,
    startedAt,
    durationMs: Date.now() - startedAt,
    exitCode:
      done.some((r) => r.status === 'error') || (unstarted && !skipReason)
        ? 2
        : done.some((r) => r.status === 'failed') || unstarted
          ? 1
          : 0,
    scenarios: done,
    ...(reason ? { skipped: reason } : {}),
    ...(config.file ? { configFile: config.file } : {}),
    ...(shared.length > 0 ? { sharedPaths: shared } : {}),
    ...(own.length > 0 ? { appFolderPaths: own } : {}),
    ...(probeSummary ? { probe: probeSummary } : {}),
    ...(options.shard ? { shard: { index: options.shard.index, total: options.shard.total } } : {}),
  };
  onEvent({ type: 'run-end', result });
  return result;
}

export async function resolveInput(
  options: Pick<RunOptions, 'scenarios' | 'config' | 'patterns' | 'topology'>,
  cwd: string,
): Promise<{ config: ResolvedConfig; scenarios: readonly Scenario[] }> {
  if (options.scenarios) {
    if (typeof options.config !== 'object') {
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        'run({ scenarios }) needs a resolved config: run({ scenarios, config: (await load()).config })',
      );
    }
    const config = options.topology
      ? { ...options.config, topology: { ...options.config.topology, ...options.topology } }
      : options.config;
    return { config, scenarios: options.scenarios };
  }
  const loaded = await load({
    cwd,
    requireConfig: true,
    ...(options.patterns ? { patterns: options.patterns } : {}),
    ...(typeof options.config === 'string' ? { config: options.config } : {}),
    ...(options.topology ? { topology: options.topology } : {}),
  });
  if (loaded.problems.length) throw new InvalidInputError(loaded.problems);
  return {
    config: typeof options.config === 'object' ? options.config : loaded.config,
    scenarios: loaded.scenarios,
  };
}

/** The config with `app.runtime` replaced (`--runtime`); the container runtime needs an image. */
export function withRuntime(config: ResolvedConfig, runtime: RuntimeName | undefined): ResolvedConfig {
  if (!runtime || runtime === config.app.runtime) return config;
  if (runtime === 'container' && !config.app.container.image && !config.app.container.build) {
    throw new InvalidInputError([
      {
        file: config.file ?? path.join(config.root, 'amnesia.config.yaml'),
        line: 1,
        column: 1,
        field: 'app',
        message: 'the container runtime (--runtime container) needs the image each replica runs',
        hint: 'add `image: <name>` or `build: <Dockerfile folder>` under `app:`',
      },
    ]);
  }
  return Object.freeze({ ...config, app: Object.freeze({ ...config.app, runtime }) });
}

/** `1 of 13 scenarios finished (1 passed); 12 not run`: how far a cancelled run got. */
function progressOf(results: readonly (ScenarioResult | undefined)[], total: number): string {
  const done = results.filter((r) => r !== undefined);
  const by = (status: ScenarioResult['status']) => done.filter((r) => r.status === status).length;
  const counts = [`${by('passed')} passed`, `${by('failed')} failed`, `${by('error')} errors`];
  return `${done.length} of ${total} scenario${total === 1 ? '' : 's'} finished (${counts.join(', ')}); ${total - done.length} not run`;
}

function skipped(
  s: Scenario,
  slug: string,
  config: ResolvedConfig,
  replay: string,
  seed: number,
): ScenarioResult {
  return {
    name: s.name,
    file: s.file,
    slug,
    tags: s.tags,
    status: 'skipped',
    topology: { ...config.topology, ...s.topology },
    routing: s.routing ?? config.routing,
    seed: s.seed ?? seed,
    steps: [],
    leaks: [],
    vacuous: [],
    unattributed: [],
    startedAt: Date.now(),
    durationMs: 0,
    replay,
  };
}
