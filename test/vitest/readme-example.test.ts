import { spawn } from 'node:child_process';
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BasicMode, basicProject } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';
import { linkAmnesia } from '../helpers/linked-package.ts';

const EXAMPLE = path.join(REPO, 'test/package/vitest-example');
const PAGE = 'docs/guide/vitest.md';

/** The vitest page's code blocks, by the path their first line names (`// vitest.config.mts`). */
async function pageBlocks(): Promise<Map<string, string>> {
  const section = await readFile(path.join(REPO, PAGE), 'utf8');
  const blocks = new Map<string, string>();
  for (const m of section.matchAll(/```\w+\n([\s\S]*?)```/g)) {
    const body = m[1] ?? '';
    const named = /^(?:\/\/|#) (\S+)\n/.exec(body)?.[1];
    if (named) blocks.set(named, body);
  }
  return blocks;
}

async function exampleFiles(dir = EXAMPLE, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = path.join(base, e.name);
    if (e.isDirectory()) out.push(...(await exampleFiles(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * A user's project with the example copied in, and amnesia linked from this repository's sources.
 * Its package.json is what `npm init -y` writes (npm 11): a CommonJS project.
 */
async function exampleProject(mode: BasicMode) {
  const project = await basicProject(mode, {
    'package.json': '{ "name": "chat-app", "version": "1.0.0", "main": "index.js", "type": "commonjs" }\n',
  });
  await cp(EXAMPLE, project.dir, { recursive: true });
  await linkAmnesia(project.dir);
  return project;
}

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** `npx vitest run` in the project, as its user would type it. */
function npxVitest(
  cwd: string,
): Promise<{ code: number | null; output: string; report: Promise<JsonReport> }> {
  const bin = path.join(REPO, 'node_modules/vitest/vitest.mjs');
  const args = ['run', '--reporter=default', '--reporter=json', '--outputFile.json=report.json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        output,
        report: readFile(path.join(cwd, 'report.json'), 'utf8').then((t) => JSON.parse(t) as JsonReport),
      }),
    );
  });
}

const results = (r: JsonReport) =>
  r.testResults
    .flatMap((f) => f.assertionResults)
    .map((a) => [a.fullName, a.status, a.failureMessages.join('\n')]);

describe(`the vitest example (${PAGE})`, () => {
  it('its code blocks are the files of test/package/vitest-example, verbatim', async () => {
    const blocks = await pageBlocks();
    expect([...blocks.keys()].sort()).toEqual(await exampleFiles());
    for (const [file, text] of blocks)
      expect(text, file).toBe(await readFile(path.join(EXAMPLE, file), 'utf8'));
  });

  it('fails against an app that keeps memory in a process-global map, with the evidence', {
    timeout: 240_000,
  }, async () => {
    await using project = await exampleProject('global');
    const run = await npxVitest(project.dir);
    expect(run.code, run.output).toBe(1);
    const all = results(await run.report);
    const code = all.find((r) => String(r[0]).startsWith('remembers the cat'));
    const scenario = all.find((r) => String(r[0]).startsWith('scenarios/'));
    expect(code?.[0]).toBe(
      'remembers the cat on another worker and after a restart, and keeps secrets apart',
    );
    expect(code?.[1]).toBe('failed');
    expect(code?.[2]).toMatch(
      /^Error: expected alice#2 to recall "Miso"\nforgot "Miso": said in alice#1 on r1w1/,
    );
    expect(scenario?.[0]).toBe('scenarios/cross-worker.yaml cross-worker follow-up');
    expect(scenario?.[1]).toBe('failed');
    expect(scenario?.[2]).toContain(
      'forgot "Miso": said in main#1 on r1w1, missing from what the app sent the LLM',
    );
    expect(scenario?.[2]).toContain('probe (2 × 2)  SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗');
    expect(run.output).toContain('❯ scenarios/cross-worker.yaml:9:16');
  });

  it('passes against the fixed app (memory in PostgreSQL, keyed by session)', {
    timeout: 240_000,
  }, async () => {
    await using project = await exampleProject('postgres');
    const run = await npxVitest(project.dir);
    expect(run.code, run.output).toBe(0);
    // In a CommonJS project, vite loads the page's config without a word about ESM syntax.
    expect(run.output).not.toContain('loaded as CommonJS');
    expect(run.output).not.toContain('(!)');
    const report = await run.report;
    expect([report.numPassedTests, report.numFailedTests]).toEqual([2, 0]);
  });
});
