import path from 'node:path';
import { CLI_CONFIG_HINT, defaultConfig, findConfig, loadConfig, noConfigProblem } from './config/load.ts';
import type { ResolvedConfig } from './config/types.ts';
import { type InputProblem, InvalidInputError } from './errors.ts';
import { loadScenarios, type ScenarioDefaults } from './scenario/load.ts';
import type { Scenario, Topology } from './scenario/types.ts';

export interface LoadOptions {
  /** Scenario files, folders or globs; default: the config's `scenarios` (default `scenarios/`). */
  patterns?: readonly string[];
  /** Where relative paths start; default process.cwd(). */
  cwd?: string;
  /** The config file; default amnesia.config.yaml in cwd, or built-in defaults if there is none and `requireConfig` is false. */
  config?: string;
  requireConfig?: boolean;
  /** Replaces the config's topology; scenarios are checked against the result. */
  topology?: Partial<Topology>;
}

export interface Loaded {
  config: ResolvedConfig;
  scenarios: Scenario[];
  /** Every problem of the config and of every scenario file. Empty when all is valid. */
  problems: InputProblem[];
}

/** Load and validate the config and the scenarios; never throws for bad input, it returns problems. */
export async function load(options: LoadOptions = {}): Promise<Loaded> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const configFile = options.config ? path.resolve(cwd, options.config) : findConfig(cwd);
  let config: ResolvedConfig;
  const problems: InputProblem[] = [];
  if (configFile) {
    try {
      config = await loadConfig(configFile);
    } catch (e) {
      if (!(e instanceof InvalidInputError)) throw e;
      problems.push(...e.problems);
      config = defaultConfig(cwd);
    }
  } else {
    if (options.requireConfig) {
      problems.push(noConfigProblem(cwd, CLI_CONFIG_HINT));
    }
    config = defaultConfig(cwd);
  }
  if (options.topology) config = { ...config, topology: { ...config.topology, ...options.topology } };
  const patterns = options.patterns?.length ? options.patterns : config.scenarios;
  const base = configFile && !options.patterns?.length ? config.root : cwd;
  const topologySource = options.topology
    ? 'the replicas/workers override'
    : config.file
      ? path.relative(cwd, config.file) || config.file
      : 'the default 2 × 2';
  const loaded = await loadScenarios(patterns, {
    cwd: base,
    defaults: scenarioDefaults(config, topologySource),
  });
  problems.push(...loaded.problems);
  return {
    config,
    scenarios: loaded.scenarios,
    problems: sortProblems(problems.map((p) => ({ ...p, file: relativeTo(cwd, p.file) }))),
  };
}

/** What scenarios are checked against: the config's topology (from `topologySource`, for messages) and services. */
export function scenarioDefaults(config: ResolvedConfig, topologySource: string): ScenarioDefaults {
  return {
    topology: config.topology,
    topologySource,
    services: config.services.map((x) => ({
      name: x.name,
      faults: x.kind === 'command' || x.kind === 'container',
    })),
  };
}

function relativeTo(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Files in the order given, problems of a file by position. */
function sortProblems(problems: InputProblem[]): InputProblem[] {
  const order = [...new Set(problems.map((p) => p.file))];
  return problems.toSorted(
    (a, b) => order.indexOf(a.file) - order.indexOf(b.file) || a.line - b.line || a.column - b.column,
  );
}
