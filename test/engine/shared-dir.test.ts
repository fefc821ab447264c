import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';
import { reportingApp } from '../helpers/reporting-app.ts';

/** Each turn appends to $SESSIONS (`{{shared_dir}}/sessions.txt`) and answers with what the file holds. */
const APP = reportingApp(
  "import { appendFileSync, readFileSync } from 'node:fs';",
  `  appendFileSync(process.env.SESSIONS, 'x');
  return { file: process.env.SESSIONS, dir: process.env.AMNESIA_SHARED_DIR, count: readFileSync(process.env.SESSIONS, 'utf8').length };`,
);

describe('{{shared_dir}}: one folder all replicas share, fresh for each run', () => {
  it('every replica, and the generation after a redeploy, write to the same folder; the next run starts empty; nothing is left', {
    timeout: 120_000,
  }, async () => {
    await using project = await tempFiles({
      'app/server.mjs': APP,
      'amnesia.config.yaml':
        'app:\n  command: node server.mjs\n  cwd: app\n  env: { SESSIONS: "{{shared_dir}}/sessions.txt" }\n  ready: { log: listening }\n  stop_grace: 1s\n',
      'scenarios/s.yaml':
        'name: shared\ntopology: { replicas: 2, workers: 1 }\nrouting: round-robin\nsteps:\n  - user: one\n  - user: two\n  - redeploy: {}\n  - user: three\n',
    });
    const once = async () => {
      const result = await run({ cwd: project.dir, probe: 'never' });
      expect(result.scenarios[0]?.error).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(leftovers(result.runId)).toEqual([]);
      return (result.scenarios[0]?.steps ?? [])
        .filter((t): t is TurnRecord => t.kind === 'turn')
        .map((t) => ({
          worker: t.worker,
          ...(JSON.parse(t.reply ?? '{}') as { file: string; dir: string; count: number }),
        }));
    };
    const first = await once();
    expect(first.map((t) => [t.worker, t.count])).toEqual([
      ['r1w1', 1],
      ['r2w1', 2],
      ['r1w1', 3],
    ]);
    const dir = first[0]?.dir ?? '';
    expect(first.every((t) => t.file === path.join(dir, 'sessions.txt'))).toBe(true);
    expect(existsSync(dir)).toBe(false);
    const second = await once();
    expect(second.map((t) => t.count)).toEqual([1, 2, 3]);
    expect(second[0]?.dir).not.toBe(dir);
  });
});
