import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { type RunResult, run, type TurnRecord } from '../../src/index.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';

const CONFIGS = path.join(REPO, 'test/apps/llamaindex/amnesia');
const EXPECTED = path.join(import.meta.dirname, 'expected.md');
/** Apps at once: each boots 2 × 2 workers and a database on a 2-core machine. */
const LANES = 2;
/** `AMNESIA_MATRIX_APPS=postgres,redis-append`: only these rows (while working on them; CI runs all). */
const ONLY = process.env.AMNESIA_MATRIX_APPS?.split(',')
  .map((a) => a.trim())
  .filter(Boolean);

type Table = Map<string, Map<string, string>>;

function parseTable(md: string): { columns: string[]; table: Table } {
  const rows = md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+$/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const [head, ...body] = rows;
  const columns = (head ?? []).slice(1);
  return {
    columns,
    table: new Map(
      body.map((r) => [r[0] as string, new Map(columns.map((c, i) => [c, r[i + 1] as string]))]),
    ),
  };
}

function renderTable(columns: string[], table: Table): string {
  const lines = [`| app | ${columns.join(' | ')} |`, `|${'---|'.repeat(columns.length + 1)}`];
  for (const [app, cells] of table)
    lines.push(`| ${app} | ${columns.map((c) => cells.get(c) ?? '?').join(' | ')} |`);
  return lines.join('\n');
}

/** One app's row: each scenario's outcome, the probe signature and the diagnosis row. */
function rowOf(result: RunResult, columns: string[]): Map<string, string> {
  const cells = new Map<string, string>();
  for (const s of result.scenarios) {
    cells.set(
      path.basename(s.file, '.yaml'),
      s.status === 'passed' ? '✓' : s.status === 'failed' ? '✗' : 'E',
    );
  }
  const diagnosis = result.scenarios.find((s) => s.diagnosis)?.diagnosis ?? result.probe?.diagnosis;
  cells.set('signature', diagnosis?.signature ?? '?');
  cells.set(
    'row',
    !diagnosis
      ? '?'
      : diagnosis.reproduced
        ? diagnosis.rows.map((r) => r.id).join(' + ') || 'none'
        : 'not reproduced',
  );
  return new Map(columns.map((c) => [c, cells.get(c) ?? 'missing']));
}

it('every scenario and the probe ladder against every LlamaIndex app match the expected table', {
  timeout: 60 * 60_000,
}, async () => {
  const { columns, table: expected } = parseTable(await readFile(EXPECTED, 'utf8'));
  // The configs of apps run as processes: not the scenarios kept beside them (redis-faults.yaml),
  // nor the container runtime's (test/containers runs those where an engine answers).
  const files: string[] = [];
  for (const f of (await readdir(CONFIGS)).filter((f) => f.endsWith('.yaml')).sort()) {
    const app = (parse(await readFile(path.join(CONFIGS, f), 'utf8')) as { app?: { runtime?: string } }).app;
    if (app && app.runtime !== 'container') files.push(f);
  }
  const all = files.map((f) => path.basename(f, '.yaml'));
  expect(all.toSorted(), 'every app config has a row in expected.md, and every row an app').toEqual(
    [...expected.keys()].sort(),
  );
  expect(ONLY?.filter((a) => !all.includes(a)) ?? [], 'AMNESIA_MATRIX_APPS names apps that exist').toEqual(
    [],
  );
  const apps = ONLY ? all.filter((a) => ONLY.includes(a)) : all;

  const artifacts = path.join(tmpdir(), `amnesia-matrix-${process.pid}`);
  const started = performance.now();
  const results = new Map<string, RunResult>();
  const times = new Map<string, number>();
  let next = 0;
  const lane = async () => {
    while (next < apps.length) {
      const app = apps[next++] as string;
      const t0 = performance.now();
      const result = await run({
        cwd: REPO,
        config: path.join(CONFIGS, `${app}.yaml`),
        probe: 'always',
        artifactsDir: path.join(artifacts, app),
      });
      times.set(app, performance.now() - t0);
      results.set(app, result);
      expect(leftovers(result.runId), `${app} left processes behind`).toEqual([]);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const minutes = (performance.now() - started) / 60_000;

  const actual: Table = new Map(apps.map((app) => [app, rowOf(results.get(app) as RunResult, columns)]));
  const printed = renderTable(columns, actual);
  const timing = apps.map((a) => `${a} ${((times.get(a) ?? 0) / 1000).toFixed(0)} s`).join(', ');
  console.log(
    `\n${printed}\n\nmatrix: ${apps.length} apps × ${columns.length - 2} scenarios + the probe ladder in ${minutes.toFixed(1)} min (${LANES} at once; ${timing})\n`,
  );
  await mkdir(path.join(REPO, '.amnesia'), { recursive: true });
  if (!ONLY) await writeFile(path.join(REPO, '.amnesia', 'matrix.md'), `${printed}\n`);

  // Cell by cell, so that a mismatch names the app, the scenario and the artifacts to read.
  const mismatches: string[] = [];
  for (const app of apps) {
    for (const c of columns) {
      const want = expected.get(app)?.get(c);
      const got = actual.get(app)?.get(c);
      if (want !== got)
        mismatches.push(
          `${app} × ${c}: expected ${want}, got ${got} (artifacts: ${path.join(artifacts, app)})`,
        );
    }
  }
  expect(mismatches).toEqual([]);

  // The properties the table stands for, checked directly so that editing it cannot hide them.
  for (const app of apps) {
    const r = results.get(app) as RunResult;
    const row = expected.get(app)?.get('row');
    if (row === '✓') expect(r.exitCode, `${app} is correct: it passes everything`).toBe(0);
    else
      expect(
        r.scenarios.some((s) => s.status !== 'passed'),
        `${app} is broken: it fails at least one scenario`,
      ).toBe(true);
  }
  const firstFailure = (app: string) => {
    const failed = results.get(app)?.scenarios.find((s) => s.status === 'failed');
    const turn = failed?.steps.find((s): s is TurnRecord => s.kind === 'turn' && !s.passed);
    return { scenario: failed, expectation: turn?.expectations.find((e) => !e.passed) };
  };
  if (results.has('vector-index')) {
    const { scenario, expectation } = firstFailure('vector-index');
    expect(scenario?.diagnosis?.reproduced).toBe(false);
    expect(expectation?.message).toMatch(/^forgot "teal": said in main#1 on r1w1/);
  }
  // The two losses only traffic shows, named at the turn that lost them.
  for (const app of ['postgres', 'redis'].filter((a) => results.has(a))) {
    expect(firstFailure(app).expectation?.message, app).toMatch(
      /^lost update: main#2 and main#3 were answered at once on r2w1 and r1w2; main#[23]'s message is missing from every later prompt$/,
    );
  }
  if (results.has('exit-on-sigterm')) {
    expect(firstFailure('exit-on-sigterm').expectation?.message).toMatch(
      /^the request failed while restart r1w2 was under way: the app dropped a turn in flight when it was stopped/,
    );
  }
  await rm(artifacts, { recursive: true, force: true });
});
