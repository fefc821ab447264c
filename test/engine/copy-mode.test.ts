import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../../src/index.ts';
import { run } from '../../src/index.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';
import { reportingApp } from '../helpers/reporting-app.ts';

/**
 * `server.js` is ESM only because the project's package.json (above the app folder) says
 * `"type": "module"`, and `shared-dep` sits in the project's node_modules, above the app folder:
 * a copy of the app resolves both only if it walks up through the same folders as the app.
 * Each turn appends to a file in the worker's own folder, and to the file $ABSOLUTE names (an
 * absolute path into the app folder), and answers with what it saw.
 */
const APP = reportingApp(
  "import { appendFileSync, readFileSync } from 'node:fs';\nimport { word } from 'shared-dep';",
  `  appendFileSync('visits.txt', 'x');
  appendFileSync(process.env.ABSOLUTE, 'x');
  return {
    word,
    cwd: process.cwd(),
    visits: readFileSync('visits.txt', 'utf8').length,
    absolute: readFileSync(process.env.ABSOLUTE, 'utf8').length,
  };`,
);

describe('copy mode (what a non-root user gets: no overlay mount)', () => {
  it('runs an app whose config sits inside the app folder (`cwd: ..`), and each replica has its own copy that resolves like the app', {
    timeout: 120_000,
  }, async () => {
    await using project = await tempFiles({
      'package.json': '{ "type": "module" }\n',
      'node_modules/shared-dep/package.json':
        '{ "name": "shared-dep", "type": "module", "exports": "./index.js" }\n',
      'node_modules/shared-dep/index.js': "export const word = 'from the project';\n",
      'app/server.js': APP,
      // isolation: copy is what `auto` falls back to for a user who cannot mount an overlay.
      'app/amnesia/scenarios/s.yaml':
        'name: copies\ntopology: { replicas: 2, workers: 1 }\nrouting: round-robin\nsteps:\n  - user: one\n  - user: two\n  - user: three\n',
    });
    const appDir = path.join(project.dir, 'app');
    await writeFile(
      path.join(appDir, 'amnesia/amnesia.config.yaml'),
      `app:\n  command: node server.js\n  cwd: ..\n  isolation: copy\n  env: { ABSOLUTE: "${appDir}/absolute.txt" }\n  ready: { log: listening }\n  stop_grace: 1s\nscenarios: scenarios\n`,
    );
    const result = await run({ cwd: project.dir, config: 'app/amnesia/amnesia.config.yaml', probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const seen = (s?.steps ?? [])
      .filter((t): t is TurnRecord => t.kind === 'turn')
      .map((t) => ({
        worker: t.worker,
        ...(JSON.parse(t.reply ?? '{}') as { word: string; cwd: string; visits: number; absolute: number }),
      }));
    // A path into the app folder is the replica's own, relative or absolute, as on an overlay.
    expect(seen.map((t) => [t.worker, t.word, t.visits, t.absolute])).toEqual([
      ['r1w1', 'from the project', 1, 1],
      ['r2w1', 'from the project', 1, 1],
      ['r1w1', 'from the project', 2, 2],
    ]);
    // The run's notes say so: that path is never one folder the replicas share.
    expect(result.appFolderPaths).toEqual([{ env: 'ABSOLUTE', path: path.join(appDir, 'absolute.txt') }]);
    // Each replica works in a copy of its own, never in the app folder, nor in its config folder.
    const [r1, r2] = [seen[0]?.cwd ?? '', seen[1]?.cwd ?? ''];
    expect(r1).not.toBe(r2);
    for (const cwd of [r1, r2]) {
      expect(path.basename(cwd)).toBe('app');
      expect(path.relative(appDir, cwd).split(path.sep)[0]).toBe('.amnesia');
    }
    // Nothing left behind: no writes in the app folder, no copies, no empty folders.
    expect(existsSync(path.join(appDir, 'visits.txt'))).toBe(false);
    expect(existsSync(path.join(appDir, 'absolute.txt'))).toBe(false);
    expect(readdirSync(appDir).sort()).toEqual(['amnesia', 'server.js']);
    expect(readdirSync(path.join(appDir, 'amnesia')).sort()).toEqual(['amnesia.config.yaml', 'scenarios']);
    expect(leftovers(result.runId)).toEqual([]);
  });
});
