import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { type RunResult, run, type TurnRecord } from '../../src/index.ts';
import { diagnosisText } from '../../src/report/diagnosis.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { explainedBy, parseTable, renderTable, rowOf, section, type Table } from './table.ts';

const CONFIGS = path.join(REPO, 'test/apps/llamaindex/amnesia');
const EXPECTED = path.join(import.meta.dirname, 'expected.md');
/** Apps at once: each boots 2 × 2 workers and a database on a 2-core machine. */
const LANES = 2;

// MATRIX_APPS=trimmed-history,vector-index runs only those apps (each row is checked on its own;
// while working on them: CI runs all).
const only = process.env.MATRIX_APPS?.split(',')
  .map((a) => a.trim())
  .filter(Boolean);

it('every scenario and the probe ladder against every LlamaIndex app match the expected table', {
  timeout: 60 * 60_000,
}, async () => {
  const md = await readFile(EXPECTED, 'utf8');
  const { columns, table: expected } = parseTable(section(md));
  const explained = parseTable(section(md, 'What explains the failed turns'));
  const files = (await readdir(CONFIGS)).filter((f) => f.endsWith('.yaml')).sort();
  const all = files.map((f) => path.basename(f, '.yaml'));
  expect(all.toSorted(), 'every app config has a row in expected.md, and every row an app').toEqual(
    [...expected.keys()].sort(),
  );
  expect(only?.filter((a) => !all.includes(a)) ?? [], 'MATRIX_APPS names apps that exist').toEqual([]);
  const apps = only ? all.filter((a) => only.includes(a)) : all;
  expect(apps.length, `MATRIX_APPS=${only?.join(',')} names apps of the matrix`).toBeGreaterThan(0);

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
  const why = apps.flatMap((a) =>
    (results.get(a)?.scenarios ?? [])
      .filter((s) => s.status === 'failed')
      .map((s) => `${a} × ${path.basename(s.file, '.yaml')}: ${explainedBy(s)}`),
  );
  console.log(
    `\n${printed}\n\nfailed turns explained by: ${why.join('; ')}\n\nmatrix: ${apps.length} apps × ${columns.length - 2} scenarios + the probe ladder in ${minutes.toFixed(1)} min (${LANES} at once; ${timing})\n`,
  );
  await mkdir(path.join(REPO, '.amnesia'), { recursive: true });
  if (!only) await writeFile(path.join(REPO, '.amnesia', 'matrix.md'), `${printed}\n`);

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
  // What explains each listed scenario's failed turns: the probe's row only where the turn's own
  // crossing loses memory, the trim (row 4) where the prompt held only the latest messages.
  for (const [key, cells] of explained.table) {
    const [app, scenario] = key.split(' × ') as [string, string];
    if (!apps.includes(app)) continue;
    const s = results.get(app)?.scenarios.find((x) => path.basename(x.file, '.yaml') === scenario);
    const want = cells.get('explained by');
    const got = explainedBy(s);
    if (want !== got)
      mismatches.push(
        `${app} × ${scenario}: expected the failed turns explained by ${want}, got ${got} (artifacts: ${path.join(artifacts, app)})`,
      );
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
  const vector = results.get('vector-index');
  if (vector) {
    // The LT rung reproduces the long-term loss: row 2, and the failed turn's explanation says so.
    const lost = vector.scenarios.find((s) => s.status === 'failed');
    expect(lost?.diagnosis?.reproduced).toBe(true);
    const failedTurn = lost?.steps.find((s): s is TurnRecord => s.kind === 'turn' && !s.passed);
    expect(failedTurn?.expectations.find((e) => !e.passed)?.message).toMatch(
      /^forgot "teal": said in main#1 on r1w1/,
    );
    expect(lost?.explanations?.[0]?.text).toMatch(/where the probe lost its fact too \(LT ✗\): row 2$/);
  }
  const trimmed = results.get('trimmed-local-disk');
  if (trimmed) {
    // One app, two causes, each turn with its own: not row 3 for the conversation that stayed on one worker.
    const long = trimmed.scenarios.find((s) => s.file.endsWith('long-recall.yaml'));
    expect(long?.explanations?.[0]?.text).toMatch(
      /^main#12: the history reached the LLM trimmed to the last \d+ of 22 messages \(main#\d+–main#11\); main#1, where "Ottilie" was said, is older: a memory window or token limit; .* The probe's row 3, 9 does not explain it: since main#1 \(r1w1\) it stayed on r1w1 \(pid \d+\) with nothing in between, where the probe kept its fact \(SW ✓\)$/,
    );
  }
  const firstFailure = (app: string) => {
    const failed = results.get(app)?.scenarios.find((s) => s.status === 'failed');
    const turn = failed?.steps.find((s): s is TurnRecord => s.kind === 'turn' && !s.passed);
    return { scenario: failed, expectation: turn?.expectations.find((e) => !e.passed) };
  };
  // The two losses only traffic shows, named at the turn that lost them, and explained there.
  for (const app of ['postgres', 'redis'].filter((a) => results.has(a))) {
    const { scenario, expectation } = firstFailure(app);
    expect(expectation?.message, app).toMatch(
      /^lost update: main#2 and main#3 were answered at once on r2w1 and r1w2; main#[23]'s message is missing from every later prompt$/,
    );
    expect(scenario?.explanations?.[0]?.rows, app).toEqual(['9']);
  }
  // Advice in LlamaIndex's terms: the app imports it, and its snapshot is what writes the whole history.
  for (const app of ['postgres', 'redis'].filter((a) => results.has(a))) {
    const { scenario } = firstFailure(app);
    expect(scenario?.stack?.name, app).toBe('LlamaIndex');
    expect(scenario && diagnosisText(scenario)?.advice.join('\n'), app).toMatch(
      /^row 9: .*; here, with LlamaIndex \(the app imports `@llamaindex\/[^`]+`\): a memory snapshot/m,
    );
  }
  // A save not awaited: lost to a crash at once after the answer, named at the turn that lost it.
  const unawaited = results.get('unawaited-save');
  if (unawaited) {
    const crash = unawaited.scenarios.find((s) => s.file.endsWith('crash.yaml'));
    expect(crash?.diagnosis?.rows.map((r) => r.id)).toEqual(['12']);
    expect(crash?.explanations?.[0]?.text).toMatch(
      /^main#2: since main#1 \(r1w1\) it came after a crash; main#1 was its last turn before the crash: the save of its answer had not landed when the worker was killed, likely not awaited \(the probe too .*CI ✗, CR ✓\): row 12$/,
    );
  }
  if (results.has('exit-on-sigterm')) {
    const { scenario, expectation } = firstFailure('exit-on-sigterm');
    expect(expectation?.message).toMatch(
      /^the request failed while restart r1w2 was under way: the app dropped a turn in flight when it was stopped/,
    );
    expect(scenario?.explanations?.[0]?.rows).toEqual(['10']);
  }
  await rm(artifacts, { recursive: true, force: true });
});
