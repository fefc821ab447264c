import { globSync, statSync } from 'node:fs';
import path from 'node:path';
import { DISRUPTION_KINDS, DISRUPTIONS } from '../disruptions/index.ts';
import type { InputProblem } from '../errors.ts';
import { type KeyedUnion, validateAgainst } from '../schema/document.ts';
import { parseYamlMap, pathProblem, readYamlMap } from '../schema/read.ts';
import { checkScenario, checkUniqueNames, type ServiceRef } from './check.ts';
import { normalizeScenario } from './normalize.ts';
import { STEP_KINDS, scenarioFile, step } from './schema.ts';
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
  if (!data) return { problems: problems.map(withHint) };
  const scenario = normalizeScenario(read.src, data);
  const topology = { ...defaults.topology, ...scenario.topology };
  const source = scenario.topology ? 'from the scenario' : defaults.topologySource;
  const checks = checkScenario(scenario, topology, source, defaults.services);
  return checks.length ? { problems: checks } : { scenario, problems: [] };
}

/** Hints for the keys of traffic steps, whose mistakes zod reports without one. */
const KEY_HINTS: [RegExp, string][] = [
  [
    /\.together$/,
    'write `together:` and below it two or more turns, each `- user: …` (with `session`, `on`, `expect` as any turn)',
  ],
  [
    /\.during$/,
    `write \`during:\` under a ${DISRUPTION_KINDS.filter((k) => DISRUPTIONS[k].inFlight)
      .map((k) => `\`${k}\``)
      .join(', ')
      .replace(/, ([^,]*)$/, ' or $1')}, and below it one or more turns, each \`- user: …\``,
  ],
  [
    /\.expect\.error$/,
    '`error: true` (it must fail), `error: allowed` (it may fail), or leave it out (it must answer)',
  ],
];

function withHint(p: InputProblem): InputProblem {
  if (p.hint) return p;
  const hint = KEY_HINTS.find(([field]) => field.test(p.field))?.[1];
  return hint ? { ...p, hint } : p;
}

const SCENARIO_GLOB = '**/*.{yaml,yml}';

/**
 * The most files and folders one pattern may visit while looking for scenarios: a glob from the
 * root of the disk, or a `.yaml` link to a big folder, would otherwise keep `validate` busy for long.
 */
const MAX_VISITED = 20_000;

/** `globSync` that stops descending once it has visited MAX_VISITED entries; says whether it did. */
function boundedGlob(
  pattern: string,
  cwd: string,
  skip: (p: string) => boolean = () => false,
): { matched: string[]; truncated: boolean } {
  let visited = 0;
  const matched = globSync(pattern, { cwd, exclude: (p) => ++visited > MAX_VISITED || skip(p) });
  return { matched, truncated: visited > MAX_VISITED };
}

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
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs, { throwIfNoEntry: false });
    } catch (e) {
      problems.push(pathProblem(pattern, 'the scenario path', e));
      continue;
    }
    let matched: string[] = [];
    let truncated = false;
    if (st?.isDirectory()) {
      const found = boundedGlob(SCENARIO_GLOB, abs, (p) => p === 'node_modules');
      matched = found.matched.map((f) => path.join(abs, f));
      truncated = found.truncated;
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
      const found = boundedGlob(pattern, cwd);
      matched = found.matched.map((f) => path.resolve(cwd, f));
      truncated = found.truncated;
    }
    if (truncated) {
      problems.push({
        file: pattern,
        line: 1,
        column: 1,
        field: '',
        message: `looking for scenarios there visited more than ${MAX_VISITED.toLocaleString('en')} files and folders: amnesia stopped, rather than walk a whole disk`,
        hint: 'name the folder of your scenarios (scenarios/) or a narrower glob (scenarios/**/*.yaml)',
      });
      continue;
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
