import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { run } from '../../src/index.ts';
import { load } from '../../src/validate.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';
import { tempFiles } from '../helpers/files.ts';

const sh = promisify(execFile);

describe('inputs written to break amnesia', () => {
  it('a recall regex that backtracks for ever in JavaScript is valid: amnesia matches in linear time (RE2)', async () => {
    await using tmp = await tempFiles({
      's.yaml': `name: redos
steps:
  - user: ${'a'.repeat(40)}!
  - user: and?
    expect: { recall: ["/^(a+)+$/"] }
`,
    });
    // validate matched it over the earlier turn (40 `a` then `!`, the worst text for a backtracking engine).
    const { problems } = await load({ cwd: tmp.dir, patterns: ['s.yaml'] });
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^s\.yaml:5:24 steps\[1\]\.expect\.recall\[0\]: recall `\/\^\(a\+\)\+\$\/` is in no earlier turn/,
      ),
    ]);
  });

  it('a YAML alias bomb is that file’s problem; the other files are still validated', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, n] of ['b', 'c', 'd', 'e', 'f'].entries()) {
      const prev = String.fromCharCode(97 + i);
      levels.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    await using tmp = await tempFiles({
      'bomb.yaml': `name: bomb\n${levels.join('\n')}\nsteps:\n  - user: hi\n`,
      'typo.yaml': 'name: typo\nsteps:\n  - usr: hi\n',
    });
    const { problems } = await load({ cwd: tmp.dir, patterns: ['bomb.yaml', 'typo.yaml'] });
    const lines = problems.map(formatProblem);
    expect(lines[0]).toMatch(/^bomb\.yaml:1:1 the scenario file could not be read: Excessive alias count/);
    expect(lines.some((l) => l.startsWith('typo.yaml:3:'))).toBe(true);
  });

  it('scenarios named in a non-Latin script each get their own folder, also running at once', async () => {
    const scenario = (name: string) =>
      `name: ${name}\ntopology: { replicas: 1, workers: 2 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n`;
    await using project = await basicProject('disk', {
      'scenarios/a.yaml': scenario('記憶テスト'),
      'scenarios/b.yaml': scenario('メモリーテスト'),
      'scenarios/c.yaml': scenario('probe ladder 2x2'),
    });
    const result = await run({ cwd: project.dir, concurrency: 3 });
    expect(result.scenarios.map((s) => [s.status, s.slug])).toEqual([
      ['passed', expect.stringMatching(/^scenario-[0-9a-f]{8}$/)],
      ['passed', expect.stringMatching(/^scenario-[0-9a-f]{8}$/)],
      ['passed', 'scenario-probe-ladder-2x2'],
    ]);
    expect(result.scenarios[0]?.slug).not.toBe(result.scenarios[1]?.slug);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a scenario file named `a;touch PWNED;.yaml`: the replay command runs nothing but amnesia', async () => {
    await using project = await basicProject('global', {
      'scenarios/a;touch PWNED;.yaml':
        'name: injected\ntopology: { replicas: 1, workers: 2 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n',
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    expect(s?.replay).toMatch(
      /^npx amnesia run 'scenarios\/a;touch PWNED;\.yaml' --seed \d+ -c amnesia\.config\.yaml --probe never$/,
    );
    // The same line through a shell, with `npx amnesia run` swapped for a command that prints its arguments.
    const replay = readFileSync(path.join(s?.artifactsDir ?? '', 'replay.sh'), 'utf8');
    const script = replay.replace('npx amnesia run', "printf '%s\\n'");
    writeFileSync(path.join(project.dir, 'replay-test.sh'), script);
    const { stdout } = await sh('/bin/sh', ['replay-test.sh'], { cwd: project.dir });
    expect(stdout.split('\n')[0]).toBe('scenarios/a;touch PWNED;.yaml');
    expect(existsSync(path.join(project.dir, 'PWNED'))).toBe(false);
  });

  it('a command that starts with an assignment runs as written (NODE_ENV=production node server.js)', async () => {
    await using project = await basicProject(
      'global',
      {
        'scenarios/s.yaml':
          'name: assigned\ntopology: { replicas: 1, workers: 1 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n',
      },
      { env: { MEMORY_MODE: '' } },
    );
    const config = path.join(project.dir, 'amnesia.config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'command: node server.ts',
        'command: MEMORY_MODE=global node server.ts',
      ),
    );
    const result = await run({ cwd: project.dir });
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(result.scenarios[0]?.status).toBe('passed');
  });
});
