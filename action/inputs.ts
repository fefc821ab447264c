import path from 'node:path';
import {
  AmnesiaError,
  durationsOf,
  type ProbeOptions,
  parseShard,
  type RunOptions,
  readJsonReport,
  type Shard,
} from '../src/index.ts';

/** What the Action reads from `core` (the real @actions/core, or a fake in tests). */
export interface InputSource {
  getInput(name: string): string;
}

export type Mode = 'run' | 'merge' | 'probe';
export type FailOn = 'failed' | 'never';

/**
 * Every input's default, as action.yml declares it (a test holds them equal). The runner applies
 * action.yml's defaults; the code applies these, so a missing input means the same in both.
 */
export const INPUT_DEFAULTS = {
  mode: 'run',
  config: 'amnesia.config.yaml',
  scenarios: '',
  tags: '',
  replicas: '',
  workers: '',
  concurrency: '1',
  probe: 'on-failure',
  shard: '',
  'shard-durations': '',
  reports: '',
  comment: 'true',
  'fail-on': 'failed',
  artifacts: '.amnesia/artifacts',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the runner's expression, as action.yml writes it
  'github-token': '${{ github.token }}',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** The Action's inputs, validated once: what the rest of the Action reads. */
export interface ActionInputs {
  mode: Mode;
  /** The repository checkout: relative paths start here, annotations are relative to it. */
  workspace: string;
  /** For `run`: the same options the CLI builds. */
  run: RunOptions;
  /** For `probe`. */
  probe: ProbeOptions;
  /** For `merge`: the shards' JSON reports (files or globs). */
  reports: string[];
  shard: Shard | undefined;
  comment: boolean;
  failOn: FailOn;
  /** Absolute: where reports and the failed scenarios' evidence go. */
  artifactsDir: string;
  token: string;
}

/**
 * Reads and checks every input but the token (read first, so it can leave the environment the app
 * inherits); bad input is an AmnesiaError naming the input, its value and what fits.
 */
export async function readInputs(core: InputSource, workspace: string, token: string): Promise<ActionInputs> {
  const get = (name: InputName): string => {
    const value = core.getInput(name).trim();
    return value === '' ? INPUT_DEFAULTS[name] : value;
  };
  const mode = oneOf('mode', get('mode'), ['run', 'merge', 'probe'] as const);
  const shard = get('shard') ? parseShard(get('shard'), 'input "shard"') : undefined;
  if (get('shard-durations') && !shard)
    throw invalid(
      'shard-durations',
      get('shard-durations'),
      'set "shard" too: the durations balance a split',
    );
  const durations = get('shard-durations')
    ? durationsOf(await readJsonReport(get('shard-durations'), workspace))
    : undefined;
  const replicas = optionalInt('replicas', get('replicas'), 1, 16);
  const workers = optionalInt('workers', get('workers'), 1, 16);
  const topology = {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(workers !== undefined ? { workers } : {}),
  };
  const hasTopology = replicas !== undefined || workers !== undefined;
  const artifactsDir = path.resolve(workspace, get('artifacts'));
  const config = get('config');
  const reports = lines(get('reports'));
  if (mode === 'merge' && reports.length === 0)
    throw invalid(
      'reports',
      '',
      'mode "merge" needs the JSON reports of the shards (files or globs, one per line)',
    );
  if (mode === 'merge' && shard)
    throw invalid('shard', get('shard'), 'mode "merge" combines every shard; leave "shard" out');
  return {
    mode,
    workspace,
    run: {
      cwd: workspace,
      config,
      ...(lines(get('scenarios')).length > 0 ? { patterns: lines(get('scenarios')) } : {}),
      ...(list(get('tags')).length > 0 ? { tags: list(get('tags')) } : {}),
      ...(hasTopology ? { topology } : {}),
      concurrency: int('concurrency', get('concurrency'), 1, 16),
      probe: oneOf('probe', get('probe'), ['on-failure', 'always', 'never'] as const),
      artifactsDir,
      ...(shard ? { shard: { ...shard, ...(durations ? { durations } : {}) } } : {}),
    },
    probe: { cwd: workspace, config, artifactsDir, ...(hasTopology ? { topology } : {}) },
    reports,
    shard,
    comment: bool('comment', get('comment')),
    failOn: oneOf('fail-on', get('fail-on'), ['failed', 'never'] as const),
    artifactsDir,
    token,
  };
}

/** Where a suite's PR comment goes and what it is keyed by: enough to report a run that could not run. */
export interface CommentTarget {
  workspace: string;
  token: string;
  comment: boolean;
  /** A shard never comments: the job that merges the shards does. */
  sharded: boolean;
  /** The config file, relative to the workspace, with `/`: the comment's key. */
  key: string;
  artifactsDir: string;
}

/**
 * The comment target and artifacts folder, read from the inputs without judging them (never
 * throws): a run stopped by bad input still updates its comment and sets its outputs.
 */
export function commentTarget(core: InputSource, workspace: string, token: string): CommentTarget {
  const get = (name: InputName): string => {
    try {
      return core.getInput(name).trim() || INPUT_DEFAULTS[name];
    } catch {
      return INPUT_DEFAULTS[name];
    }
  };
  return {
    workspace,
    token,
    // `mode: probe` never comments, so neither does its failure.
    comment: !['false', 'False', 'FALSE'].includes(get('comment')) && get('mode') !== 'probe',
    sharded: get('shard') !== '',
    key: repoPath(path.resolve(workspace, get('config')), workspace),
    artifactsDir: path.resolve(workspace, get('artifacts')),
  };
}

/** `file` relative to the workspace with `/` (as GitHub and the comment key want it), or as it is when outside. */
export function repoPath(file: string, workspace: string): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join('/');
  const rel = path.relative(workspace, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** One item per line (globs may hold commas: `{a,b}.yaml`). */
function lines(value: string): string[] {
  return value
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Comma- or newline-separated. */
function list(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function oneOf<const T extends string>(name: InputName, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(name, value, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

function int(name: InputName, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalid(name, value, `expected a whole number from ${min} to ${max}`);
  return n;
}

function optionalInt(name: InputName, value: string, min: number, max: number): number | undefined {
  return value === '' ? undefined : int(name, value, min, max);
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` reads them. */
function bool(name: InputName, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw invalid(name, value, 'expected true or false');
}

function invalid(name: InputName, value: string, expected: string): AmnesiaError {
  return new AmnesiaError('AMNESIA_INVALID_INPUT', `input "${name}" ${JSON.stringify(value)}: ${expected}`);
}
