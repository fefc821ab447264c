// What users read and copy must match what runs: action.yml against the code, the Action page's tables
// and examples (docs/guide/github-action.md) against action.yml and the renderers, and this
// repository's workflow against that page.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../../action/inputs.ts';
import { parseShard, renderComment, renderMarkdown } from '../../src/index.ts';
import { REPO } from '../helpers/cli.ts';
import { CWD, erroring, failing, passing, run } from '../support/report-fixtures.ts';

interface ActionYml {
  inputs: Record<string, { description: string; default: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

interface Step {
  uses?: string;
  run?: string;
  id?: string;
  if?: string;
  with?: Record<string, string | number>;
}
interface Job {
  'runs-on': string;
  needs?: string;
  if?: string;
  strategy?: { 'fail-fast'?: boolean; matrix: Record<string, string[]> };
  steps: Step[];
}
interface Workflow {
  name: string;
  on: string | Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (file: string) => readFileSync(path.join(REPO, file), 'utf8');
const action = parse(read('action.yml')) as ActionYml;
const PAGE = 'docs/guide/github-action.md';
const page = read(PAGE);
const workflow = parse(read('.github/workflows/amnesia.yml')) as Workflow;
/** How the page writes the Action the workflow uses as `./`. */
const PUBLISHED = '<owner>/amnesia@v1';

/** Table rows as trimmed cells, whatever padding the formatter gave them. */
function rows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s|-]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

/** Markdown with every table's padding removed (Biome aligns the docs' tables). */
function unpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((l) => (l.startsWith('|') ? `| ${rows(l)[0]?.join(' | ') ?? ''} |`.replace(/\| {2}\|/g, '|  |') : l))
    .map((l) => (/^\|[\s|-]+\|$/.test(l) ? l.replace(/-+/g, '---').replace(/ +/g, ' ') : l))
    .join('\n');
}

/** The page's section under `heading`, up to the next heading of the same or a higher level (fences skipped). */
function section(heading: string): string {
  const lines = page.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `${PAGE} has no ${heading}`).toBeGreaterThan(-1);
  const level = heading.indexOf(' ');
  let fenced = false;
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = /^(#+) /.exec(line);
    if (!fenced && m && (m[1]?.length ?? 0) <= level) break;
    out.push(line);
  }
  return out.join('\n');
}

/** The sample between `<!-- marker -->` and `<!-- /marker -->`: Markdown shown as a code block. */
function between(marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\n(\`{3,})markdown\\n([\\s\\S]*?)\\1\\n<!-- /${marker} -->`).exec(
    page,
  );
  expect(m, `${PAGE} has no ${marker} block`).not.toBeNull();
  return m?.[2] ?? '';
}

const yamlBlocks = (text: string) => [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/** `${{ expression }}`, as a workflow writes it. */
const expr = (e: string) => `\${{ ${e} }}`;

/** The workflow as the page shows it: the published Action instead of `./`. */
function published<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"uses":"./"', `"uses":"${PUBLISHED}"`)) as T;
}

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
    expect(existsSync(path.join(REPO, action.runs.main))).toBe(true);
  });

  it('declares the inputs the code reads, with the defaults the code applies', () => {
    expect(Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, String(v.default)]))).toEqual(
      INPUT_DEFAULTS,
    );
  });

  it('declares exactly the outputs the code sets', () => {
    const source = ['action/main.ts', 'action/report.ts'].map(read).join('\n');
    const set = new Set([...source.matchAll(/setOutput\('([\w-]+)'/g)].map((m) => m[1]));
    expect([...set].sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe(PAGE, () => {
  const docs = section('# The GitHub Action');

  it('has the inputs and outputs of action.yml, with their defaults and descriptions', () => {
    const code = (s: string) => (s === '' ? '' : `\`${s}\``);
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    const tables = rows(section('## Inputs and outputs'));
    expect(tables).toEqual([
      ['input', 'default', 'what it does'],
      ...Object.entries(action.inputs).map(([k, v]) => [code(k), code(v.default), cell(v.description)]),
      ['output', 'what it holds'],
      ...Object.entries(action.outputs).map(([k, v]) => [code(k), cell(v.description)]),
    ]);
  });

  it('shows this repository’s workflow as the copy-paste one, and its matrix form', () => {
    const blocks: unknown[] = yamlBlocks(docs).map((y) => parse(y));
    const [simple, matrix, ...others] = blocks.filter((b) => !Array.isArray(b));
    expect(others).toEqual([]);
    const variants = blocks.filter((b) => Array.isArray(b));
    // The other package managers' steps, in place of setup-node and `npm ci`: Node 24 for the app,
    // and an install that keeps the lockfile as it is (as `npm ci` does).
    expect(
      variants.map((v) => (v as { run?: string }[]).find((step) => step.run?.includes('install'))?.run),
    ).toEqual([
      'pnpm install --frozen-lockfile',
      'yarn install --immutable',
      'bun install --frozen-lockfile',
    ]);
    for (const steps of variants as { uses?: string; with?: Record<string, unknown> }[][])
      expect(steps.find((step) => step.uses === 'actions/setup-node@v5')?.with?.['node-version']).toBe(24);
    const { jobs, ...top } = workflow;
    expect(simple).toEqual(published({ ...top, jobs: { amnesia: jobs.amnesia } }));
    expect(matrix).toEqual(published({ jobs: { shards: jobs.shards, report: jobs.report } }));
  });

  it('renders the PR comment and the job summary as the renderers do', () => {
    const previous = {
      v: 1 as const,
      key: 'amnesia.config.yaml',
      commit: '0123456789abcdef',
      statuses: { [passing.name]: 'failed', [failing.name]: 'passed', [erroring.name]: 'error' } as const,
    };
    const comment = renderComment(run, {
      key: 'amnesia.config.yaml',
      previous,
      commit: 'fedcba9876543210',
      reportUrl: 'https://github.com/acme/chat/actions/runs/42',
      cwd: CWD,
    });
    expect(unpadded(between('action-example:comment'))).toBe(unpadded(comment));
    expect(unpadded(between('action-example:summary'))).toBe(unpadded(renderMarkdown(run, { cwd: CWD })));
  });
});

describe('.github/workflows/amnesia.yml', () => {
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const amnesiaSteps = steps.filter((s) => s.uses === './');

  it('runs on pull requests with a token that can comment and nothing more', () => {
    expect(workflow.on).toBe('pull_request');
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('gives the Action only inputs it has, and configs and outputs that exist', () => {
    expect(amnesiaSteps).toHaveLength(3);
    for (const step of amnesiaSteps) {
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
      const config = step.with?.config;
      if (config) expect(existsSync(path.join(REPO, String(config))), String(config)).toBe(true);
    }
    const referenced = JSON.stringify(workflow).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g);
    for (const [, id, output] of referenced) {
      expect(amnesiaSteps.map((s) => s.id)).toContain(id);
      expect(Object.keys(action.outputs)).toContain(output);
    }
  });

  it('installs the app and uploads the artifacts even when the suite failed', () => {
    for (const name of ['amnesia', 'shards']) {
      const job = workflow.jobs[name] as Job;
      const uses = job.steps.map((s) => s.uses ?? s.run);
      expect(uses.slice(0, 3)).toEqual(['actions/checkout@v5', 'actions/setup-node@v5', 'npm ci']);
      const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      expect(upload?.if).toBe(expr('!cancelled()'));
      expect(upload?.with?.path).toBe(expr('steps.amnesia.outputs.artifacts-dir'));
    }
  });

  it('splits into shards that cover the suite, and merges what every shard uploaded', () => {
    const shards = workflow.jobs.shards as Job;
    const list = (shards.strategy?.matrix.shard ?? []).map((s) => parseShard(s));
    expect(list.map((s) => s.index)).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
    expect(new Set(list.map((s) => s.total))).toEqual(new Set([list.length]));
    expect(shards.strategy?.['fail-fast']).toBe(false);
    expect(shards.steps.find((s) => s.uses === './')?.with?.shard).toBe(expr('matrix.shard'));

    const report = workflow.jobs.report as Job;
    expect(report.needs).toBe('shards');
    expect(report.if).toBe(expr('!cancelled()'));
    const uploaded = String(
      shards.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name,
    );
    const download = report.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with ?? {};
    const prefix = uploaded.replace(expr('strategy.job-index'), '');
    expect(String(download.pattern)).toBe(`${prefix}*`);
    const merge = report.steps.find((s) => s.uses === './')?.with ?? {};
    expect(merge.mode).toBe('merge');
    expect(merge.reports).toBe(`${download.path}/*/amnesia.json`);
  });
});
