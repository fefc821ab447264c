/**
 * `npm run bench` (part 1): what a user's `npm i -D amnesia` costs, and how fast the installed CLI starts.
 *
 * Packs the package (prepack builds dist/), installs the tarball into an empty project, and prints
 * its disk use (target ≤ 40 MB). Then times, interleaved in one run, `node -e 0` and the installed
 * `amnesia --version` and `amnesia validate` (spawn to exit), and prints medians and the ratio
 * (targets: --version ≤ 80 ms and ≤ 4 × `node -e 0`).
 */
import { spawn } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from './stats.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 21);

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

function diskUse(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += lstatSync(p).blocks * 512;
    if (e.isDirectory()) total += diskUse(p);
  }
  return total;
}

async function time(cmd: string, args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  const r = await run(cmd, args, cwd);
  if (r.code !== 0 && r.code !== 2) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.out}`);
  return performance.now() - t0;
}

const work = await mkdtemp(path.join(tmpdir(), 'amnesia-bench-pkg-'));
try {
  const pack = await run('npm', ['pack', '--pack-destination', work, '--json'], REPO);
  const [packed] = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string; size: number }[];
  if (!packed) throw new Error(`npm pack failed: ${pack.out}`);
  const project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), '{ "name": "project", "private": true }\n');
  const t0 = performance.now();
  const install = await run(
    'npm',
    ['i', '-D', path.join(work, packed.filename), '--no-audit', '--no-fund'],
    project,
  );
  if (install.code !== 0) throw new Error(`npm i failed: ${install.out}`);
  const installMs = performance.now() - t0;
  const mb = diskUse(path.join(project, 'node_modules')) / 2 ** 20;
  console.log(
    `package: tarball ${(packed.size / 1024).toFixed(0)} kB; npm i -D amnesia in an empty project: ${mb.toFixed(1)} MB on disk (target ≤ 40 MB) in ${(installMs / 1000).toFixed(1)} s`,
  );

  const cli = path.join(project, 'node_modules', 'amnesia', 'bin', 'amnesia.js');
  await writeFile(path.join(project, 'amnesia.config.yaml'), 'app:\n  command: node server.js\n');
  await mkdir(path.join(project, 'scenarios'));
  await writeFile(path.join(project, 'scenarios', 'a.yaml'), 'name: a\nsteps:\n  - user: hi\n');
  const bare: number[] = [];
  const version: number[] = [];
  const validate: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    bare.push(await time(process.execPath, ['-e', '0'], project));
    version.push(await time(process.execPath, [cli, '--version'], project));
    validate.push(await time(process.execPath, [cli, 'validate'], project));
  }
  const b = median(bare);
  const v = median(version);
  console.log(
    `start-up (median of ${SAMPLES}, Node ${process.versions.node}): node -e 0 ${b.toFixed(0)} ms; amnesia --version ${v.toFixed(0)} ms (target ≤ 80 ms) = ${(v / b).toFixed(1)} × node -e 0 (target ≤ 4 ×); amnesia validate ${median(validate).toFixed(0)} ms`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
