import { describe, expect, it } from 'vitest';
import type { RunResult, TurnRecord } from '../../src/index.ts';
import { probe, run } from '../../src/index.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';
import { reportingApp } from '../helpers/reporting-app.ts';

const turns = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');

/** A fact said, then asked for twice: every turn a cold start in serverless mode. */
const REMEMBER = `name: remembers in serverless
topology: { replicas: 2, workers: 2, serverless: true }
steps:
  - user: My codename is amber.
  - user: What is my codename?
    expect: { recall: [amber] }
  - user: What was my codename again?
    expect: { recall: [amber] }
`;

// Row 8 of the failure table: the apps of rows 1, 2 and 6a lose the fact in serverless mode, and
// the probe (which gains the rung SL because the scenario runs serverless) names their row and 8.
describe.concurrent('serverless mode against the memory modes of the test app', () => {
  it.each([
    ['request', 'SW ✗ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗ SL ✗', ['1', '8']],
    ['global', 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗ SL ✗', ['2', '8']],
    ['shutdown', 'SW ✓ OW ✗ OR ✗ RS ✓ CR ✗ CI ✗ RD ✗ CC ✗ SL ✗', ['6a', '8']],
  ] as const)('%s fails with the diagnosis %s', { timeout: 240_000 }, async (mode, signature, rows) => {
    await using project = await basicProject(mode, { 'scenarios/s.yaml': REMEMBER });
    const result = await run({ cwd: project.dir, seed: 5 });
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(turns(result).map((t) => t.passed)).toEqual([true, false, false]);
    expect(s?.diagnosis?.signature).toBe(signature);
    expect(s?.diagnosis?.rows.map((r) => r.id)).toEqual(rows);
    expect(s?.diagnosis?.advice).toMatch(/state must live outside the process and its \/tmp$/);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('the shared store keyed by session passes; every turn ran on a newly started process', {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject('postgres', { 'scenarios/s.yaml': REMEMBER });
    const result = await run({ cwd: project.dir });
    expect(result.exitCode).toBe(0);
    const t = turns(result);
    expect(t.map((x) => x.instance)).toEqual(['cold', 'cold', 'cold']);
    expect(new Set(t.map((x) => x.pid)).size).toBe(3);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('probe: with the config serverless, the ladder gains SL; the fixed app keeps the fact on it', {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject('postgres', {}, { top: 'topology: { serverless: true }\n' });
    const result = await probe({ cwd: project.dir });
    expect(result.diagnosis.signature).toBe('SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓ SL ✓');
    expect(result.diagnosis.rows.map((r) => r.id)).toEqual(['✓']);
    expect(result.exitCode).toBe(0);
    expect(leftovers(result.runId)).toEqual([]);
  });
});

/**
 * An app that reports, for each turn, its pid and whether the marker files an earlier turn wrote
 * in its working directory and in its TMPDIR are still there; then writes them.
 */
const MARKER_APP = reportingApp(
  "import { existsSync, writeFileSync } from 'node:fs';\nimport { tmpdir } from 'node:os';\nimport path from 'node:path';",
  `  const seen = { pid: process.pid, cwd: existsSync('marker'), tmp: existsSync(path.join(tmpdir(), 'marker')) };
  writeFileSync('marker', 'x');
  writeFileSync(path.join(tmpdir(), 'marker'), 'x');
  return seen;`,
);

async function markers(serverless: string, seed: number) {
  await using project = await tempFiles({
    'app/server.mjs': MARKER_APP,
    'amnesia.config.yaml': `app:\n  command: node server.mjs\n  cwd: app\n  ready: { log: listening }\n  stop_grace: 1s\n`,
    'scenarios/m.yaml': `name: markers
topology: { replicas: 1, workers: 1, serverless: ${serverless} }
steps:
${Array.from({ length: 8 }, (_, i) => `  - user: turn ${i + 1}`).join('\n')}
`,
  });
  const result = await run({ cwd: project.dir, seed, probe: 'never' });
  expect(result.exitCode).toBe(0);
  expect(leftovers(result.runId)).toEqual([]);
  return turns(result).map((t) => ({
    instance: t.instance,
    ...(JSON.parse(t.reply ?? '{}') as { pid: number; cwd: boolean; tmp: boolean }),
  }));
}

describe('serverless instances', () => {
  it('a cold start is a new process on a fresh copy of the app folder with a fresh TMPDIR', {
    timeout: 60_000,
  }, async () => {
    const seen = await markers('true', 1);
    expect(seen.map((s) => [s.instance, s.cwd, s.tmp])).toEqual(Array(8).fill(['cold', false, false]));
    expect(new Set(seen.map((s) => s.pid)).size).toBe(8);
  });

  it('a warm start reuses the previous process, its folder and its TMPDIR', { timeout: 60_000 }, async () => {
    const seen = await markers('{ warm: 1 }', 1);
    expect(seen.map((s) => s.instance)).toEqual(['cold', ...Array(7).fill('warm')]);
    expect(seen.slice(1).every((s) => s.cwd && s.tmp)).toBe(true);
    expect(new Set(seen.map((s) => s.pid)).size).toBe(1);
  });

  it('warm reuse is drawn from the seed: the same seed starts the same instances', {
    timeout: 90_000,
  }, async () => {
    const a = await markers('{ warm: 0.5 }', 42);
    const b = await markers('{ warm: 0.5 }', 42);
    const pattern = (xs: typeof a) => xs.map((x) => x.instance);
    expect(pattern(a)).toEqual(pattern(b));
    expect(pattern(a)).toContain('warm');
    expect(pattern(a).slice(1)).toContain('cold');
    // A warm turn is served by the process of the turn before it, and sees its files.
    for (let i = 1; i < a.length; i++) {
      const warm = a[i]?.instance === 'warm';
      expect([a[i]?.pid === a[i - 1]?.pid, a[i]?.cwd, a[i]?.tmp]).toEqual([warm, warm, warm]);
    }
  });
});
