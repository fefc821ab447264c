import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, InvalidInputError } from '../../src/errors.ts';
import { run } from '../../src/index.ts';
import { load } from '../../src/validate.ts';
import { BIN, REPO, runCommand } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

const SCENARIO = 'name: a\nsteps:\n  - user: My name is Ada.\n';
const APP = 'app:\n  command: node server.js\n  ready: { log: listening }\n';

/** Problems `validate` prints, and that `run` refuses the same input with them (exit 2, before starting anything). */
async function refused(dir: string, patterns?: string[]): Promise<string[]> {
  const loaded = await load({ cwd: dir, ...(patterns ? { patterns } : {}) });
  const ran = await run({ cwd: dir, ...(patterns ? { patterns } : {}) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ran).toBeInstanceOf(InvalidInputError);
  expect((ran as InvalidInputError).problems).toEqual(loaded.problems);
  return loaded.problems.map(formatProblem);
}

// Inputs that once ended as "internal error (please report it)", or that `validate` accepted and
// `run` then refused, or that kept `validate` busy for many seconds.
describe('hostile paths and values: a positioned input error (exit 2), the same from validate and run', () => {
  it('a `scenarios:` path of 300,000 characters: too long for the system (ENAMETOOLONG)', async () => {
    await using tmp = await tempFiles({ 'amnesia.config.yaml': `${APP}scenarios: ${'a'.repeat(300_000)}\n` });
    const problems = await refused(tmp.dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^a{120}…\(300,000 characters\):1:1 the scenario path is a path of 300,000 characters, more than the system accepts \(ENAMETOOLONG\)\n {4}hint: give a shorter path/,
    );
  });

  it('a scenario that is a symbolic link to itself (ELOOP), named or found in a folder', async () => {
    await using tmp = await tempFiles({ 'amnesia.config.yaml': APP, 'scenarios/ok.yaml': SCENARIO });
    symlinkSync('loop.yaml', path.join(tmp.dir, 'scenarios', 'loop.yaml'));
    expect(await refused(tmp.dir, ['scenarios/loop.yaml'])).toEqual([
      'scenarios/loop.yaml:1:1 the scenario path is a symbolic link that leads back to itself (ELOOP)\n    hint: point the link at a real file, or remove it',
    ]);
    expect(await refused(tmp.dir, ['scenarios'])).toEqual([
      'scenarios/loop.yaml:1:1 the scenario file is a symbolic link that leads back to itself (ELOOP)\n    hint: point the link at a real file, or remove it',
    ]);
  });

  it('a glob from the root of the disk, or a .yaml link to a big folder: the walk stops and says so', async () => {
    await using tmp = await tempFiles({ 'amnesia.config.yaml': APP });
    // A big folder: the repository's own node_modules (far more than 20,000 files).
    symlinkSync(path.join(REPO, 'node_modules'), path.join(tmp.dir, 'all.yaml'));
    const stopped =
      /:1:1 looking for scenarios there visited more than 20,000 files and folders: amnesia stopped, rather than walk a whole disk\n {4}hint: name the folder of your scenarios/;
    const [linked] = await refused(tmp.dir, ['all.yaml']);
    expect(linked).toMatch(new RegExp(`^all\\.yaml${stopped.source}`));
    writeFileSync(path.join(tmp.dir, 'amnesia.config.yaml'), `${APP}scenarios: "/**/*.yaml"\n`);
    const [root] = await refused(tmp.dir);
    expect(root).toMatch(new RegExp(`^/\\*\\*/\\*\\.yaml${stopped.source}`));
  });

  it('a NUL byte in app.env or app.command, a line break in a header, a JSONPath amnesia cannot read', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': `app:
  command: ["node", "server.js\\0"]
  env: { A: "x\\0y" }
  ready: { log: listening }
chat:
  headers: { x-a: "one\\r\\nInjected: yes" }
  reply: "$..[?(@.x)]"
`,
      'scenarios/a.yaml': SCENARIO,
    });
    expect(await refused(tmp.dir)).toEqual([
      'amnesia.config.yaml:2:12 app.command: a command cannot hold a NUL byte (\\0): no process can be started with one; remove it',
      'amnesia.config.yaml:3:13 app.env.A: an environment value cannot hold a NUL byte (\\0): no process can be given one; remove it',
      'amnesia.config.yaml:6:19 chat.headers.x-a: a header value cannot hold a line break (CR or LF) or a NUL byte: HTTP refuses it; keep it on one line',
      expect.stringMatching(
        /^amnesia\.config\.yaml:7:10 chat\.reply: invalid JSON path `\$\.\.\[\?\(@\.x\)\]`: expected a member name after `\.`/,
      ),
    ]);
  });

  it('a TMPDIR that does not exist: `run` says so and exits 2, no internal error', async () => {
    await using tmp = await tempFiles({ 'amnesia.config.yaml': APP, 'scenarios/a.yaml': SCENARIO });
    const missing = path.join(tmp.dir, 'no-such-tmp');
    const { code, stderr } = await runCommand(process.execPath, [BIN, 'run'], {
      cwd: tmp.dir,
      env: { TMPDIR: missing },
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      `[amnesia] TMPDIR=${missing} does not exist (or is not a folder): amnesia keeps each run's scratch space (replica folders, logs, pipes) there. Create it, or point TMPDIR at a writable folder.\n`,
    );
  });
});
