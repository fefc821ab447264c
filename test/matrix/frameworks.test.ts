// The frameworks' matrix: every app of test/apps/frameworks/ (LangGraph.js, OpenAI Agents SDK,
// Mastra, Vercel AI SDK, each in its documented memory setup) through the scenarios its config
// lists and the probe ladder, compared with expected.md's "Frameworks" tables.
// The apps' packages live in test/apps/frameworks/ (npm ci --prefix test/apps/frameworks): without
// them the test is skipped locally and fails when CI is set. A cell `~` in expected.md races: not compared.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { type RunResult, run, type TurnRecord } from '../../src/index.ts';
import { diagnosisText } from '../../src/report/diagnosis.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { explainedBy, parseTable, renderTable, rowOf, section, type Table } from './table.ts';

const APPS = path.join(REPO, 'test/apps/frameworks');
const CONFIGS = path.join(APPS, 'amnesia');
const EXPECTED = path.join(import.meta.dirname, 'expected.md');
/** Apps at once: each boots 2 × 2 workers (and a database) on a 2-core machine. */
const LANES = 2;

const installed = existsSync(path.join(APPS, 'node_modules'));
const INSTALL = 'npm ci --prefix test/apps/frameworks';

it.runIf(!installed && process.env.CI)(
  `the framework apps are installed in CI (${INSTALL}: .ci/run's step)`,
  () => {
    expect.fail(`test/apps/frameworks/node_modules is missing: run ${INSTALL}`);
  },
);

// MATRIX_APPS=mastra-pg,aisdk-files runs only those apps (while working on them: CI runs all).
const only = process.env.MATRIX_APPS?.split(',')
  .map((a) => a.trim())
  .filter(Boolean);

it.skipIf(!installed)(
  `every framework app's scenarios and probe ladder match expected.md${installed ? '' : ` (skipped: test/apps/frameworks/node_modules is missing; ${INSTALL})`}`,
  { timeout: 30 * 60_000 },
  async () => {
    const md = await readFile(EXPECTED, 'utf8');
    const { columns, table: expected } = parseTable(section(md, 'Frameworks'));
    const explained = parseTable(section(md, 'Frameworks: what explains the failed turns'));
    const all = (await readdir(CONFIGS))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.basename(f, '.yaml'))
      .sort();
    expect(all, 'every framework app config has a row in expected.md, and every row an app').toEqual(
      [...expected.keys()].sort(),
    );
    const names = only ?? [];
    expect(
      names.filter((a) => !all.includes(a)),
      'MATRIX_APPS names framework apps',
    ).toEqual([]);
    const apps = only ? all.filter((a) => names.includes(a)) : all;
    if (apps.length === 0) return; // MATRIX_APPS names only LlamaIndex apps

    const artifacts = path.join(tmpdir(), `amnesia-frameworks-${process.pid}`);
    const started = performance.now();
    const results = new Map<string, RunResult>();
    const times = new Map<string, number>();
    let next = 0;
    const lane = async () => {
      while (next < apps.length) {
        const app = apps[next++] as string;
        const t0 = performance.now();
        results.set(
          app,
          await run({
            cwd: REPO,
            config: path.join(CONFIGS, `${app}.yaml`),
            probe: 'always',
            artifactsDir: path.join(artifacts, app),
          }),
        );
        times.set(app, performance.now() - t0);
        expect(leftovers((results.get(app) as RunResult).runId), `${app} left processes behind`).toEqual([]);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    const minutes = (performance.now() - started) / 60_000;

    const actual: Table = new Map(apps.map((app) => [app, rowOf(results.get(app) as RunResult, columns)]));
    const timing = apps.map((a) => `${a} ${((times.get(a) ?? 0) / 1000).toFixed(0)} s`).join(', ');
    const why = apps.flatMap((a) =>
      (results.get(a)?.scenarios ?? [])
        .filter((s) => s.status === 'failed')
        .map((s) => `${a} × ${path.basename(s.file, '.yaml')}: ${explainedBy(s)}`),
    );
    console.log(
      `\n${renderTable(columns, actual)}\n\nfailed turns explained by: ${why.join('; ')}\n\nframeworks matrix: ${apps.length} apps in ${minutes.toFixed(1)} min (${LANES} at once; ${timing})\n`,
    );

    const mismatches: string[] = [];
    for (const app of apps)
      for (const c of columns) {
        const want = expected.get(app)?.get(c);
        const got = actual.get(app)?.get(c);
        if (want !== '~' && want !== got)
          mismatches.push(
            `${app} × ${c}: expected ${want}, got ${got} (artifacts: ${path.join(artifacts, app)})`,
          );
      }
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
      if (row === '~') continue; // it races
      if (row === '✓') expect(r.exitCode, `${app} is a fix: it passes everything`).toBe(0);
      else
        expect(
          r.scenarios.some((s) => s.status !== 'passed'),
          `${app} fails at least one scenario`,
        ).toBe(true);
    }
    // LangGraph's checkpointer writes the thread's whole state: a lost update, named at the turn that lost it.
    for (const app of ['langgraph-postgres'].filter((a) => results.has(a))) {
      const together = results.get(app)?.scenarios.find((s) => s.file.endsWith('together.yaml'));
      const turn = together?.steps.find((s): s is TurnRecord => s.kind === 'turn' && !s.passed);
      expect(turn?.expectations.find((e) => !e.passed)?.message, app).toMatch(/^lost update: /);
    }
    // Row 9 in the stack's terms: a checkpointer cannot append; the AI SDK guide's saveChat can.
    const advice = (app: string, scenario: string) => {
      const s = results.get(app)?.scenarios.find((x) => x.file.endsWith(`${scenario}.yaml`));
      return (s && diagnosisText(s)?.advice.join('\n')) ?? '';
    };
    if (results.has('langgraph-postgres'))
      expect(advice('langgraph-postgres', 'together')).toMatch(
        /^row 9: .*; here, with LangGraph \(the app imports `@langchain\/langgraph[^`]*`\): the checkpointer writes the thread's whole state .*one graph invocation per thread at a time/m,
      );
    if (results.has('aisdk-files'))
      expect(advice('aisdk-files', 'together')).toMatch(
        /^row 9: .*; here, with the Vercel AI SDK \(the app imports `(ai|@ai-sdk\/openai)`\): the persistence guide's `saveChat` writes the whole chat back/m,
      );
    // LangGraph's MemorySaver holds each thread in one process's RAM: a turn of together.yaml that
    // misses the other worker's turn forgot it (row 2); `lost update` is never its headline.
    for (const app of ['langgraph-memory'].filter((a) => results.has(a))) {
      const together = results.get(app)?.scenarios.find((s) => s.file.endsWith('together.yaml'));
      const failed = (together?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn' && !s.passed);
      expect(failed.length, app).toBeGreaterThan(0);
      for (const t of failed)
        expect(t.expectations.find((e) => !e.passed)?.message, app).not.toMatch(/^lost update/);
    }
    await rm(artifacts, { recursive: true, force: true });
  },
);
