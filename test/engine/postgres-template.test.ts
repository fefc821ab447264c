import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { basicProject } from '../helpers/basic-app.ts';

// The embedded PostgreSQL's initialised template is made once per machine and user and copied for
// each scenario. It lives in the user's own cache folder (0700), never in a shared temp folder
// where another user could plant one; parallel runs build it once, behind a lock.
describe('the embedded PostgreSQL template', () => {
  const saved = process.env.XDG_CACHE_HOME;
  let cache = '';
  afterEach(async () => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it('is built once, by one of two runs at once, in a private cache folder; a failed scenario keeps its log', {
    timeout: 180_000,
  }, async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'amnesia-cache-'));
    process.env.XDG_CACHE_HOME = cache;
    const scenario =
      'name: db\ntopology: { replicas: 1, workers: 1 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n';
    await using a = await basicProject('postgres', { 'scenarios/s.yaml': scenario });
    // b fails on purpose (it remembers what it must forget): its artifacts keep the database's log.
    await using b = await basicProject('postgres', {
      'scenarios/s.yaml': scenario.replace('recall: [Ada]', 'forget: [Ada]'),
    });
    const [ra, rb] = await Promise.all([run({ cwd: a.dir }), run({ cwd: b.dir })]);
    expect(ra.scenarios[0]?.status).toBe('passed');
    expect(rb.scenarios[0]?.status).toBe('failed');
    const log = readFileSync(
      path.join(rb.scenarios[0]?.artifactsDir ?? '', 'logs', 'service-db.log'),
      'utf8',
    );
    expect(log).toContain('database system is ready to accept connections');
    const dir = path.join(cache, 'amnesia');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // One template, no lock and no half-built copy left.
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^postgres-template-\d+\.\d+\.\d+/)]);
  });
});
