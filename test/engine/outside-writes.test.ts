import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderSummary } from '../../src/report/terminal-summary.ts';
import { BASIC_APP } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';

const SCENARIO = `name: outside
topology: { replicas: 2, workers: 1 }
steps:
  - user: My name is Ada.
  - user: What is my name?
    expect: { recall: [Ada] }
`;

// The app writes in the folder above its own: replicas on one machine share that folder (in overlay
// mode it is the real one), and nothing said so; a passing run left 9 such files behind.
describe('writes outside the app folder', () => {
  it.each(['overlay', 'copy'] as const)(
    'are listed in the run notes (isolation %s)',
    async (isolation) => {
      await using project = await tempFiles({
        'amnesia.config.yaml': `app:
  command: node server.ts
  cwd: app
  isolation: ${isolation}
  env: { MEMORY_MODE: "global" }
  ready: { log: listening on }
`,
        'scenarios/s.yaml': SCENARIO,
      });
      mkdirSync(path.join(project.dir, 'app'));
      copyFileSync(path.join(BASIC_APP, 'server.ts'), path.join(project.dir, 'app', 'server.ts'));
      const quiet = await run({ cwd: project.dir, probe: 'never' });
      expect(quiet.scenarios[0]?.notes).toBeUndefined();

      const config = path.join(project.dir, 'amnesia.config.yaml');
      writeFileSync(config, readFileSync(config, 'utf8').replace('"global"', '"global", WRITE_OUTSIDE: "1"'));
      const result = await run({ cwd: project.dir, probe: 'never' });
      const notes = result.scenarios[0]?.notes ?? [];
      // Overlay: the real folder above the app, shared by the replicas, and left there. Copy: the
      // folder above each copy (amnesia's, one per replica, removed with it).
      expect(existsSync(path.join(project.dir, 'written-by-r1w1.txt'))).toBe(isolation === 'overlay');
      expect(notes).toEqual([
        `the app wrote outside its folder: ../written-by-r1w1.txt (new), ../written-by-r2w1.txt (new). ${isolation === 'overlay' ? 'Every replica here shares that folder' : 'Each replica here has its own'}, and replicas would not share it in production either: keep what must persist in the app's data dir or a service`,
      ]);
      expect(renderSummary(result, { color: false })).toContain(
        'note  outside: the app wrote outside its folder: ../written-by-r1w1.txt (new)',
      );
      expect(renderMarkdown(result)).toContain('> **Note**: outside: the app wrote outside its folder');
    },
    120_000,
  );
});
