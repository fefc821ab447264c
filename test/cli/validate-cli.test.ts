import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../src/scenario/schema.ts';
import { configJsonSchema, SCHEMA_FILES } from '../../src/schema/json-schema.ts';
import { BIN, REPO, runAmnesia } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

/** The machine's own Node (v20 on our machines and CI), to check the CLI's version guard. */
const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
const systemNodeIsOld = !systemNode.error && Number(systemNode.stdout.split('.')[0]) < 22;

describe('amnesia validate / init / schema (the real CLI)', () => {
  it('init writes a config and a scenario that validate cleanly (exit 0)', async () => {
    await using tmp = await tempFiles({});
    const init = await runAmnesia(['init'], { cwd: tmp.dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote amnesia.config.yaml');
    const again = await runAmnesia(['init'], { cwd: tmp.dir });
    expect(again.stdout).toContain('kept amnesia.config.yaml (exists; --force overwrites)');
    const v = await runAmnesia(['validate'], { cwd: tmp.dir });
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(
      /✓ amnesia\.config\.yaml\n✓ scenarios\/remembers-name\.yaml .*\n1 scenario valid\n/,
    );
    expect(v.code).toBe(0);
  });

  it('exits 2 and prints every problem with file:line:column', async () => {
    await using tmp = await tempFiles({
      'bad.yaml': 'name: x\nsteps:\n  - user: hi\n    expect: { recal: [x] }\n',
    });
    const r = await runAmnesia(['validate', 'bad.yaml', 'missing.yaml'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[amnesia] 2 problems in 2 files:');
    expect(r.stderr).toContain(
      'bad.yaml:4:15 steps[0].expect.recal: unknown key `recal` — did you mean `recall`?',
    );
    expect(r.stderr).toContain('missing.yaml:1:1 no such file or folder');
  });

  it('exits 2 on a usage mistake', async () => {
    await using tmp = await tempFiles({});
    const r = await runAmnesia(['validate', '--no-such-flag'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('prints the JSON Schema, and the committed schema files are up to date', async () => {
    await using tmp = await tempFiles({});
    const r = await runAmnesia(['schema'], { cwd: tmp.dir });
    expect(JSON.parse(r.stdout)).toEqual(scenarioJsonSchema());
    const committed = JSON.parse(await readFile(path.join(REPO, SCHEMA_FILES.scenario), 'utf8'));
    expect(committed, 'run `npx amnesia schema --write` and commit').toEqual(scenarioJsonSchema());
    const committedConfig = JSON.parse(await readFile(path.join(REPO, SCHEMA_FILES.config), 'utf8'));
    expect(committedConfig, 'run `npx amnesia schema --write` and commit').toEqual(configJsonSchema());
  });

  it.skipIf(!systemNodeIsOld)(
    'refuses a Node older than 22.18 with a way out that works from another folder (exit 2)',
    async () => {
      await using tmp = await tempFiles({});
      const r = spawnSync('/usr/bin/node', [BIN, 'validate'], { cwd: tmp.dir, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('amnesia needs Node.js 22.18 or newer');
      // Started from another folder (as `npx --prefix` does): npx alone would not find the project's Node.
      const own = path.join(REPO, 'node_modules/.bin/node');
      expect(r.stderr).toContain(`    cd ${REPO} && npx amnesia ...\n`);
      expect(r.stderr).toContain(`  or, from any folder: ${own} ${BIN} ...\n`);
      const works = spawnSync(own, [BIN, '--version'], { cwd: tmp.dir, encoding: 'utf8' });
      expect(works.status).toBe(0);
    },
  );
});
