import { globSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InputProblem } from '../errors.ts';
import { type KeyedUnion, validateAgainst } from '../schema/document.ts';
import { parseYamlMap, readYamlMap } from '../schema/read.ts';
import { STEP_KINDS, scenarioFile, step } from '../schema/scenario.ts';
import { checkScenario, checkUniqueNames, type ServiceRef } from './check.ts';
import { normalizeScenario } from './normalize.ts';
import type { Scenario, Topology } from './types.ts';

export const SCENARIO_EXAMPLE = `  name: remembers the user's name
  steps:
    - user: My name is Ada.
    - user: What is my name?
      expect:
        recall: [Ada]`;

const STEP_UNION: KeyedUnion = { union: step, kinds: STEP_KINDS, what: 'a step' };

export interface ScenarioDefaults {
  topology: Topology;
  /** Where the default topology comes from, for messages ("amnesia.config.yaml"). */
  topologySource: string;
  /** The config's services, to check the steps that name one (unchecked when absent). */
  services?: readonly ServiceRef[];
}

/** Load one scenario file: parse, validate against the schema, normalize, check. */
export async function loadScenarioFile(
  file: string,
  defaults: ScenarioDefaults,
): Promise<{ scenario?: Scenario; problems: InputProblem[] }> {
  return checkedScenario(await readYamlMap(file, 'the scenario file', SCENARIO_EXAMPLE), defaults);
}

/** Parse scenario YAML given as text (`file` names it in problems). */
export function parseScenario(
  file: string,
  text: string,
  defaults: ScenarioDefaults,
): { scenario?: Scenario; problems: InputProblem[] } {
  return checkedScenario(parseYamlMap(file, text, 'the scenario file', SCENARIO_EXAMPLE), defaults);
}

function checkedScenario(
  read: Awaited<ReturnType<typeof readYamlMap>>,
  defaults: ScenarioDefaults,
): { scenario?: Scenario; problems: InputProblem[] } {
  if ('problems' in read) return { problems: read.problems };
  const { data, problems } = validateAgainst(read.src, read.value, scenarioFile, [STEP_UNION]);
  if (!data) return { problems };
  const scenario = normalizeScenario(read.src, data);
  const topology = { ...defaults.topology, ...scenario.topology };
  const source = scenario.topology ? 'from the scenario' : defaults.topologySource;
  const checks = checkScenario(scenario, topology, source, defaults.services);
  return checks.length ? { problems: checks } : { scenario, problems: [] };
}

const SCENARIO_GLOB = '**/*.{yaml,yml}';

/**
 * Expand files, folders and globs into scenario files (sorted, unique). A pattern that
 * matches nothing is a problem, not silence. Synchronous, so that a test file can declare a
 * test per scenario file while vitest collects it.
 */
export function expandScenarioPaths(
  patterns: readonly string[],
  cwd: string,
): { files: string[]; problems: InputProblem[] } {
  const files = new Set<string>();
  const problems: InputProblem[] = [];
  for (const pattern of patterns) {
    const abs = path.resolve(cwd, pattern);
    const st = statSync(abs, { throwIfNoEntry: false });
    let matched: string[] = [];
    if (st?.isDirectory()) {
      matched = globSync(SCENARIO_GLOB, { cwd: abs, exclude: (p) => p === 'node_modules' }).map((f) =>
        path.join(abs, f),
      );
    } else if (st?.isFile()) {
      matched = [abs];
    } else if (!/[*?[{]/.test(pattern)) {
      problems.push({
        file: pattern,
        line: 1,
        column: 1,
        field: '',
        message: 'no such file or folder',
        hint: `the path is relative to ${cwd}`,
      });
      continue;
    } else {
      matched = globSync(pattern, { cwd }).map((f) => path.resolve(cwd, f));
    }
    if (matched.length === 0) {
      problems.push({
        file: pattern,
        line: 1,
        column: 1,
        field: '',
        message: st?.isDirectory() ? 'the folder holds no .yaml or .yml files' : 'the glob matches no files',
        hint: `check the pattern; it is matched from ${cwd}`,
      });
    }
    for (const f of matched) files.add(f);
  }
  return { files: [...files].sort(), problems };
}

/** Load every scenario the patterns name; problems of all files together. */
export async function loadScenarios(
  patterns: readonly string[],
  options: { cwd: string; defaults: ScenarioDefaults },
): Promise<{ scenarios: Scenario[]; problems: InputProblem[] }> {
  const { files, problems } = expandScenarioPaths(patterns, options.cwd);
  const results = await Promise.all(files.map((f) => loadScenarioFile(f, options.defaults)));
  const scenarios = results.flatMap((r) => (r.scenario ? [r.scenario] : []));
  problems.push(...results.flatMap((r) => r.problems), ...checkUniqueNames(scenarios));
  return { scenarios, problems };
}
