import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { run } from '../../src/index.ts';
import { load } from '../../src/validate.ts';
import { leftovers } from '../helpers/basic-app.ts';
import { BIN } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

const hello = 'name: hello\nsteps:\n  - user: Hello there.\n';

describe('user regexes that stall a backtracking engine', () => {
  it('validate finishes on a recall of 5,000 `a?` then 5,000 `a`, refusing it as too large', async () => {
    const huge = `${'a?'.repeat(5000)}${'a'.repeat(5000)}`;
    await using tmp = await tempFiles({
      's.yaml': `name: huge\nsteps:\n  - user: ${'a'.repeat(5000)}\n  - user: and?\n    expect: { recall: ["/${huge}/"] }\n`,
    });
    const { problems } = await load({ cwd: tmp.dir, patterns: ['s.yaml'] });
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^s\.yaml:5:24 steps\[1\]\.expect\.recall\[0\]: \/a\?a\?.*\/ cannot be used: it is too large to match quickly: its RE2 program has \d+ instructions, over the limit of 1000/,
      ),
    ]);
  });

  it('validate refuses lookaround and backreferences at their place, saying why', async () => {
    await using tmp = await tempFiles({
      's.yaml':
        'name: look\nsteps:\n  - user: My name is Ada Lovelace.\n  - user: and?\n    expect: { recall: ["/Ada(?= Lovelace)/", "/(Ada) \\\\1/"] }\n',
    });
    const { problems } = await load({ cwd: tmp.dir, patterns: ['s.yaml'] });
    expect(problems.map(formatProblem)).toEqual([
      expect.stringContaining(
        'steps[1].expect.recall[0]: /Ada(?= Lovelace)/ cannot be used (at its character 5): `(?=…)` is a lookahead, and amnesia matches in linear time (RE2), which has no lookaround',
      ),
      expect.stringContaining(
        'steps[1].expect.recall[1]: /(Ada) \\1/ cannot be used (at its character 8): `\\1` is a backreference',
      ),
    ]);
  });

  it('ready.log /(a|a)*c/ against a boot line of 44 `a`: boot_timeout fires, the run ends, nothing is left', async () => {
    await using project = await tempFiles({
      'server.mjs': `import { createServer } from 'node:http';
console.log('${'a'.repeat(44)}');
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`,
      'amnesia.config.yaml': `app:
  command: node server.mjs
  ready: { log: "/(a|a)*c/" }
  boot_timeout: 2s
topology: { replicas: 1, workers: 1 }
`,
      'scenarios/hello.yaml': hello,
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('error');
    expect(s?.error?.message).toMatch(/boot_timeout|2 s/);
    expect(s?.error?.message).toContain('a'.repeat(44));
    expect(result.exitCode).toBe(2);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('and Ctrl-C during that boot stops the run at once (exit 130)', { timeout: 60_000 }, async () => {
    await using marks = await tempFiles({});
    const mark = path.join(marks.dir, 'booted');
    await using project = await tempFiles({
      'server.mjs': `import { writeFileSync } from 'node:fs';
console.log('${'a'.repeat(44)}');
writeFileSync(${JSON.stringify(mark)}, '');
setInterval(() => {}, 1000);
`,
      'amnesia.config.yaml': `app:
  command: node server.mjs
  ready: { log: "/(a|a)*c/" }
  boot_timeout: 5m
topology: { replicas: 1, workers: 1 }
`,
      'scenarios/hello.yaml': hello,
    });
    const child = spawn(process.execPath, [BIN, 'run'], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The worker has printed its line.
    await expect.poll(() => existsSync(mark), { timeout: 50_000, interval: 50 }).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
