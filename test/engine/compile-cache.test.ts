import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';
import { reportingApp } from '../helpers/reporting-app.ts';

/** Answers each turn with its Node's compile cache folder and what that folder holds once flushed. */
const APP = reportingApp(
  "import { readdirSync } from 'node:fs';\nimport module from 'node:module';",
  `  module.flushCompileCache();
  const dir = module.getCompileCacheDir();
  return { dir: dir ?? null, entries: dir ? readdirSync(dir, { recursive: true }).length : 0 };`,
);

const SCENARIO = `name: cache
topology: { replicas: 2, workers: 1 }
routing: round-robin
steps:
  - user: first
  - user: second
`;

async function cacheSeen(app: string) {
  await using project = await tempFiles({
    'app/server.mjs': APP,
    'amnesia.config.yaml': `app:\n  cwd: app\n  ready: { log: listening }\n  stop_grace: 1s\n${app}`,
    'scenarios/c.yaml': SCENARIO,
  });
  const result = await run({ cwd: project.dir, probe: 'never' });
  expect(result.exitCode).toBe(0);
  expect(leftovers(result.runId)).toEqual([]);
  const turns = (result.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');
  expect(turns.map((t) => t.worker)).toEqual(['r1w1', 'r2w1']);
  return {
    runId: result.runId,
    seen: turns.map((t) => JSON.parse(t.reply ?? '{}') as { dir: string | null; entries: number }),
  };
}

describe.concurrent('NODE_COMPILE_CACHE for Node apps', () => {
  it('by default the workers of a run (replicas included) share one compile cache in its scratch space, and fill it', {
    timeout: 60_000,
  }, async () => {
    const { runId, seen } = await cacheSeen('  command: node server.mjs\n');
    const dir = seen[0]?.dir as string;
    // Node keeps its entries in a subfolder per version and flags (`v24.21.0-x64-…`).
    expect(dir).toMatch(new RegExp(`/amnesia-${runId}-run-[^/]+/compile-cache/v[^/]+$`));
    expect(seen[1]?.dir).toBe(dir);
    expect(seen.every((s) => s.entries > 0)).toBe(true);
  });

  it('compile_cache: false turns it off', { timeout: 60_000 }, async () => {
    const { seen } = await cacheSeen('  command: node server.mjs\n  compile_cache: false\n');
    expect(seen.map((s) => s.dir)).toEqual([null, null]);
  });

  it('is off for a command that does not start Node itself (unless compile_cache: true)', {
    timeout: 60_000,
  }, async () => {
    const shell = '  command: [/bin/sh, -c, exec node server.mjs]\n';
    expect((await cacheSeen(shell)).seen.map((s) => s.dir)).toEqual([null, null]);
    const on = await cacheSeen(`${shell}  compile_cache: true\n`);
    expect(on.seen[0]?.dir).toMatch(/\/compile-cache\/v[^/]+$/);
  });

  it("the app's own NODE_COMPILE_CACHE (app.env) wins", { timeout: 60_000 }, async () => {
    const { seen } = await cacheSeen(
      '  command: node server.mjs\n  env: { NODE_COMPILE_CACHE: "{{data_dir}}/own-cache" }\n',
    );
    expect(seen[0]?.dir).toMatch(/\/r1\.g1\/data\/own-cache\/v[^/]+$/);
    expect(seen[1]?.dir).toMatch(/\/r2\.g1\/data\/own-cache\/v[^/]+$/);
  });
});
