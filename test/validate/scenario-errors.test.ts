import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { load } from '../../src/validate.ts';
import { tempFiles } from '../helpers/files.ts';

const GOOD = `name: good
steps:
  - user: My name is Ada.
  - user: What is my name?
    expect: { recall: [Ada] }
`;

/** Validate one scenario file (plus extra files) and return its problems as printed lines. */
async function problemsOf(text: string | Buffer, extra: Record<string, string> = {}): Promise<string[]> {
  await using tmp = await tempFiles({ 's.yaml': text, ...extra });
  const { problems } = await load({ cwd: tmp.dir, patterns: ['s.yaml', ...Object.keys(extra)] });
  return problems.map(formatProblem);
}

describe('scenario validation', () => {
  it('accepts a good scenario', async () => {
    expect(await problemsOf(GOOD)).toEqual([]);
  });

  it('reports an empty file with a starting point', async () => {
    const [p] = await problemsOf('');
    expect(p).toMatch(/^s\.yaml:1:1 the scenario file is empty\n {4}hint: start from:/);
  });

  it('reports text that is not YAML', async () => {
    const out = await problemsOf('name: [unclosed\nsteps: {\n');
    expect(out[0]).toMatch(/^s\.yaml:\d+:\d+ not valid YAML: /);
  });

  it('reports a tab used as indentation at its line', async () => {
    const [p] = await problemsOf('name: x\nsteps:\n\t- user: hi\n');
    expect(p).toMatch(
      /^s\.yaml:3:1 not valid YAML: Tabs are not allowed as indentation\n {4}hint: indent with spaces, not tabs/,
    );
  });

  it('reports a bad indent', async () => {
    const out = await problemsOf('name: x\nsteps:\n  - user: hi\n   expect: {}\n');
    expect(out[0]).toMatch(/^s\.yaml:4:\d+ not valid YAML/);
  });

  it('reports a list where the file must be a map', async () => {
    const [p] = await problemsOf('- user: hi\n');
    expect(p).toMatch(/^s\.yaml:1:1 the scenario file must be a map of keys, but it is a list/);
  });

  it('reports a list where a map belongs inside', async () => {
    const out = await problemsOf('name: x\ntopology: [2, 2]\nsteps:\n  - user: hi\n');
    expect(out).toEqual([expect.stringMatching(/^s\.yaml:2:11 topology: expected a map; found a list/)]);
  });

  it('names an unknown key and every key allowed there', async () => {
    const out = await problemsOf(`${GOOD}colour: blue\n`);
    expect(out).toEqual([
      's.yaml:6:1 colour: unknown key `colour`\n    hint: allowed here: `name`, `description`, `tags`, `topology`, `routing`, `seed`, `timeout`, `steps`',
    ]);
  });

  it('suggests the key a misspelling meant, at the key', async () => {
    const out = await problemsOf(GOOD.replace('recall', 'recal'));
    expect(out[0]).toMatch(
      /^s\.yaml:5:15 steps\[1\]\.expect\.recal: unknown key `recal` — did you mean `recall`\?/,
    );
  });

  it('suggests the step keyword a misspelled step meant', async () => {
    const out = await problemsOf(GOOD.replace('  - user: My name', '  - usr: My name'));
    expect(out[0]).toMatch(/^s\.yaml:3:5 steps\[0\]\.usr: unknown key `usr` — did you mean `user`\?/);
  });

  it('reports every problem of a file at once', async () => {
    const out = await problemsOf(
      'name: x\ndescripton: d\nsteps:\n  - user: ""\n  - wait: 5 seconds\n  - restart: r1\n    crash: r2\n',
    );
    expect(out).toHaveLength(4);
    expect(out.join('\n')).toMatch(
      /descripton.*\n.*\n.*user: a turn needs text[\s\S]*wait must be a number with a unit[\s\S]*does one thing/,
    );
  });

  it('reports a turn with no text', async () => {
    const out = await problemsOf('name: x\nsteps:\n  - user:\n');
    expect(out).toEqual([
      expect.stringMatching(
        /^s\.yaml:3:\d+ steps\[0\]\.user: expected the text the user says; found nothing/,
      ),
    ]);
    const blank = await problemsOf('name: x\nsteps:\n  - user: "   "\n');
    expect(blank[0]).toMatch(/steps\[0\]\.user: a turn needs text/);
  });

  it('reports an invalid regex with the reason', async () => {
    const out = await problemsOf(GOOD.replace('[Ada]', '["/Ad(a/"]'));
    expect(out).toEqual([
      expect.stringMatching(
        /^s\.yaml:5:\d+ steps\[1\]\.expect\.recall\[0\]: invalid regular expression \/Ad\(a\/: Unterminated group/,
      ),
    ]);
  });

  it('reports duplicate scenario names across files', async () => {
    const out = await problemsOf(GOOD, { 't.yaml': GOOD });
    expect(out).toEqual([
      expect.stringMatching(/^t\.yaml:1:7 name: duplicate scenario name `good`: also used by .*s\.yaml:1/),
    ]);
  });

  it('reports a disruption or pin naming a replica the topology does not have', async () => {
    const out = await problemsOf(`${GOOD}  - restart: r3\n  - user: again?\n    on: r1w5\n`);
    expect(out).toEqual([
      expect.stringMatching(
        /^s\.yaml:6:5 steps\[2\]\.restart: `r3` does not exist: the topology has 2 replicas × 2 workers/,
      ),
      expect.stringMatching(/^s\.yaml:7:5 steps\[3\]\.on: `r1w5` does not exist/),
    ]);
  });

  it('follows scale steps when checking targets', async () => {
    expect(await problemsOf(`${GOOD}  - scale: { replicas: 3 }\n  - crash: r3\n`)).toEqual([]);
    const out = await problemsOf(`${GOOD}  - scale: { workers: 1 }\n  - crash: r1w2\n`);
    expect(out[0]).toMatch(
      /`r1w2` does not exist: the topology has 2 replicas × 1 worker here \(after the scale at line 6\)/,
    );
  });

  it('reports negative and absurd counts with the limit', async () => {
    const out = await problemsOf(GOOD.replace('steps:', 'topology: { replicas: -1, workers: 1000 }\nsteps:'));
    expect(out).toEqual([
      expect.stringMatching(/topology\.replicas: replicas must be at least 1/),
      expect.stringMatching(/topology\.workers: workers must be at most 16/),
    ]);
    const wait = await problemsOf(`${GOOD}  - wait: 99m\n`);
    expect(wait[0]).toMatch(/wait is longer than the limit of 10m/);
  });

  it('reports a scenario with no user turn', async () => {
    const out = await problemsOf('name: x\nsteps:\n  - restart\n  - wait: 1s\n');
    expect(out).toEqual([expect.stringMatching(/^s\.yaml:3:5 steps: the scenario has no user turn/)]);
  });

  it('reports a recall that can only pass vacuously or never', async () => {
    const own = await problemsOf(GOOD.replace('What is my name?', 'Is my name Ada?'));
    expect(own[0]).toMatch(/recall `Ada` is in this turn's own message/);
    const never = await problemsOf(GOOD.replace('[Ada]', '[Grace]'));
    expect(never[0]).toMatch(/recall `Grace` is in no earlier turn of session `main`/);
    const otherSession = await problemsOf(GOOD.replace('  - user: What', '  - session: bob\n    user: What'));
    expect(otherSession[0]).toMatch(/this is the first turn of session `bob`/);
  });

  it('rejects a 10 MB file without parsing it', async () => {
    const out = await problemsOf(Buffer.alloc(10 * 1024 * 1024, 'a'));
    expect(out).toEqual([
      expect.stringMatching(/^s\.yaml:1:1 the scenario file is 10\.0 MiB; the limit is 1 MiB/),
    ]);
  });

  it('reports a file that does not exist and a glob that matches nothing', async () => {
    await using tmp = await tempFiles({});
    const { problems } = await load({ cwd: tmp.dir, patterns: ['missing.yaml', 'nothing/*.yaml'] });
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^missing\.yaml:1:1 no such file or folder/),
      expect.stringMatching(/^nothing\/\*\.yaml:1:1 the glob matches no files/),
    ]);
  });

  it('accepts bare disruptions and every step form', async () => {
    const text = `name: forms
topology: { replicas: 2, workers: 2 }
routing: random
seed: 7
steps:
  - user: My secret word is pineapple.
    session: alice
  - { session: bob, user: "My secret word is tangerine.", on: r2w1 }
  - restart
  - restart: r1
  - restart: { target: r2w2, grace: 2s }
  - crash:
  - redeploy: rolling
  - redeploy: { strategy: at-once, target: r2 }
  - scale: { replicas: 3, workers: 1 }
  - wait: 200ms
  - session: alice
    user: What is my secret word?
    llm_reply: It is a fruit.
    expect:
      recall: [pineapple, /pine\\w+/i]
      forget: tangerine
      recall_recent: 1
      reply: { contains: fruit, not_contains: [tangerine], matches: /fruit/, json: { path: $.answer, exists: true } }
`;
    expect(await problemsOf(text)).toEqual([]);
  });
});
