import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RequestHandler } from 'msw';
import { slugify } from '../client/index.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { AbortedError, AmnesiaError, InvalidInputError } from '../errors.ts';
import { startMockLlm } from '../llm/index.ts';
import { newSeed } from '../plan/random.ts';
import type { Scenario } from '../scenario/types.ts';
import { PortAllocator } from '../topology/free-port.ts';
import { ProcessRegistry } from '../topology/process-registry.ts';
import { load } from '../validate.ts';
import { runScenario } from './scenario-runner.ts';
import type { RunEvent, RunResult, ScenarioResult } from './types.ts';

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
  const { config, scenarios } = await resolveInput(options, cwd);
  const selected = options.tags?.length
    ? scenarios.filter((s) => s.tags.some((t) => options.tags?.includes(t)))
    : scenarios;
  const runId = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  const seed = options.seed ?? config.seed ?? newSeed();
  const onEvent = options.onEvent ?? (() => {});
  const startedAt = Date.now();
  const registry = new ProcessRegistry();
  const uninstall = registry.killOnExit();
  const scratchDir = await mkdtemp(path.join(tmpdir(), `amnesia-${runId}-`));
  const artifactsDir = path.resolve(cwd, options.artifactsDir ?? path.join('.amnesia', 'runs', runId));
  const copiesDir = path.join(config.root, '.amnesia', 'replicas', runId);
  const handlers = [...(options.llmHandlers ?? []), ...(await userHandlers(config))];
  const llm = await startMockLlm({ handlers });
  const ports = new PortAllocator();
  onEvent({ type: 'run-start', runId, seed, scenarios: selected.length });

  const results: ScenarioResult[] = new Array(selected.length);
  let stopStarting = false;
  let next = 0;
  const worker = async () => {
    while (!stopStarting && next < selected.length) {
      const i = next++;
      const s = selected[i] as Scenario;
      const scenarioSeed = s.seed ?? seed;
      const r = await runScenario(s, {
        runId,
        config,
        llm,
        registry,
        ports,
        seed: scenarioSeed,
        ...(options.turnTimeoutMs ? { turnTimeoutMs: options.turnTimeoutMs } : {}),
        scratchDir,
        copiesDir,
        artifactsDir,
        slug: uniqueSlug(s, selected),
        replay: replayCommand(s, config, cwd, seed),
        onEvent,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      results[i] = r;
      if (options.bail && r.status !== 'passed') stopStarting = true;
    }
  };
  try {
    const lanes = Math.max(1, Math.min(options.concurrency ?? 1, selected.length));
    await Promise.all(Array.from({ length: lanes }, worker));
  } catch (e) {
    registry.killAll();
    throw e instanceof AbortedError || options.signal?.aborted ? new AbortedError() : e;
  } finally {
    await llm.stop();
    await rm(scratchDir, { recursive: true, force: true });
    await rm(copiesDir, { recursive: true, force: true });
    uninstall();
  }
  const done = results.map((r, i) => r ?? skipped(selected[i] as Scenario, seed, config, cwd));
  const result: RunResult = {
    runId,
    seed,
    startedAt,
    durationMs: Date.now() - startedAt,
    exitCode: done.some((r) => r.status === 'error') ? 2 : done.some((r) => r.status === 'failed') ? 1 : 0,
    scenarios: done,
    ...(config.file ? { configFile: config.file } : {}),
  };
  onEvent({ type: 'run-end', result });
  return result;
}

async function resolveInput(
  options: RunOptions,
  cwd: string,
): Promise<{ config: ResolvedConfig; scenarios: readonly Scenario[] }> {
  if (options.scenarios) {
    if (typeof options.config !== 'object')
      throw new Error(
        'run({ scenarios }) needs a resolved config: run({ scenarios, config: (await load()).config })',
      );
    return { config: options.config, scenarios: options.scenarios };
  }
  const loaded = await load({
    cwd,
    requireConfig: true,
    ...(options.patterns ? { patterns: options.patterns } : {}),
    ...(typeof options.config === 'string' ? { config: options.config } : {}),
  });
  if (loaded.problems.length) throw new InvalidInputError(loaded.problems);
  return {
    config: typeof options.config === 'object' ? options.config : loaded.config,
    scenarios: loaded.scenarios,
  };
}

async function userHandlers(config: ResolvedConfig): Promise<RequestHandler[]> {
  if (!config.llm.handlers) return [];
  const mod = (await import(pathToFileURL(config.llm.handlers).href)) as { default?: unknown };
  if (!Array.isArray(mod.default)) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `llm.handlers: ${config.llm.handlers} must export default a list of msw handlers, e.g. \`export default [http.post('*/chat/completions', …)]\``,
    );
  }
  return mod.default as RequestHandler[];
}

function uniqueSlug(s: Scenario, all: readonly Scenario[]): string {
  const base = slugify(s.name);
  const same = all.filter((x) => slugify(x.name) === base);
  return same.length > 1 ? `${base}-${same.indexOf(s) + 1}` : base;
}

function replayCommand(s: Scenario, config: ResolvedConfig, cwd: string, seed: number): string {
  const file = path.relative(cwd, s.file) || s.file;
  const cfg =
    config.file && path.dirname(config.file) !== cwd ? ` --config ${path.relative(cwd, config.file)}` : '';
  return `npx amnesia run ${file} --seed ${seed}${cfg}`;
}

function skipped(s: Scenario, seed: number, config: ResolvedConfig, cwd: string): ScenarioResult {
  return {
    name: s.name,
    file: s.file,
    slug: slugify(s.name),
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
    replay: replayCommand(s, config, cwd, seed),
  };
}
