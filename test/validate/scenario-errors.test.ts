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

  it('reports a forget of text no turn of any session said (it cannot fail)', async () => {
    const two = `name: two
steps:
  - { session: maria, user: "My order is DS-88213." }
  - { session: tom, user: "My order is TX-1." }
  - session: maria
    user: What is my order?
    expect: { recall: [DS-88213], forget: [Maria, TX-1] }
`;
    expect(await problemsOf(two)).toEqual([
      's.yaml:7:44 steps[2].expect.forget[0]: forget `Maria` is in no other turn of any session of this scenario, so it can never reach the prompt and the check cannot fail\n    hint: forget a text another session said (a leak check) or one this session said earlier; check spelling and case, or use a /regex/i',
    ]);
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

  it('accepts a scripted LLM answer: tool calls, then a text', async () => {
    const text = `name: tools
steps:
  - user: My dog is called Rex.
    llm:
      - tool_call: { name: save_memory, arguments: { fact: "dog: Rex" } }
      - text: Saved.
  - user: What is my dog called?
    llm: [{ tool_call: { name: recall_memory } }]
    expect: { recall: [Rex] }
`;
    expect(await problemsOf(text)).toEqual([]);
  });

  it('reports a scripted text before a tool call, a bad tool name, and llm with llm_reply, at their lines', async () => {
    const text = `name: tools
steps:
  - user: My dog is called Rex.
    llm:
      - text: Saved.
      - tool_call: { name: save_memory }
  - user: Hi there
    llm: [{ tool_call: { name: "save memory" } }]
  - user: Hello
    llm_reply: Hi.
    llm: [{ text: Hi. }]
`;
    const problems = await problemsOf(text);
    expect(problems).toEqual([
      expect.stringMatching(/^s\.yaml:5:\d+ steps\[0\]\.llm: a `text` step ends the script: put it last/),
      expect.stringMatching(
        /^s\.yaml:8:\d+ steps\[1\]\.llm\[0\]\.tool_call\.name: a tool name is 1 to 64 letters/,
      ),
      expect.stringMatching(/^s\.yaml:11:\d+ steps\[2\]\.llm: a turn scripts its LLM answer once/),
    ]);
  });

  it('accepts turns sent at once and turns in flight during a disruption', async () => {
    const text = `name: traffic
steps:
  - user: My name is Ada.
  - together:
      - user: My cat is called Miso.
      - { session: bob, user: My dog is called Rex., on: r2w2 }
  - restart: { target: r1w1, grace: 2s }
    during:
      - user: I am building the Analytical Engine.
      - { session: bob, user: I live in Paris., expect: { error: allowed } }
  - crash: r1
    during:
      - { user: I like tea., expect: { error: allowed } }
      - { session: bob, user: I like coffee., on: r2w1 }
  - redeploy: rolling
    during: [{ user: I like jam. }]
  - user: What am I building, and my cat?
    expect: { recall: [Analytical Engine, Miso, tea, jam] }
`;
    expect(await problemsOf(text)).toEqual([]);
  });

  it('reports a together step with one turn, and a mistake inside one of its turns, at their lines', async () => {
    const one = await problemsOf(`${GOOD}  - together:\n      - user: hi\n`);
    expect(one).toEqual([
      expect.stringMatching(
        /^s\.yaml:7:7 steps\[2\]\.together: a `together` step sends at least two turns at once/,
      ),
    ]);
    const typo = await problemsOf(`${GOOD}  - together:\n      - user: a\n      - usr: b\n`);
    expect(typo).toEqual([
      expect.stringMatching(/^s\.yaml:8:9 steps\[2\]\.together\[1\]\.user: missing `user`/),
      expect.stringMatching(
        /^s\.yaml:8:9 steps\[2\]\.together\[1\]\.usr: unknown key `usr` — did you mean `user`\?/,
      ),
    ]);
    const notList = await problemsOf(`${GOOD}  - together: { user: a }\n`);
    expect(notList[0]).toMatch(
      /steps\[2\]\.together: expected a list of user turns .* to send at once; found a map/,
    );
  });

  it('refuses more turns at once than workers, and two turns on one worker, saying why', async () => {
    const many = await problemsOf(
      `name: x\ntopology: { replicas: 1, workers: 2 }\nsteps:\n  - together:\n      - user: a\n      - user: b\n      - user: c\n`,
    );
    expect(many).toEqual([
      expect.stringMatching(
        /^s\.yaml:5:9 steps\[0\]\.together: 3 turns in flight at once need 3 workers, but the topology has 2 here \(from the scenario\): amnesia tells turns apart by the worker that serves them[\s\S]*hint: send fewer turns at once/,
      ),
    ]);
    const pinned = await problemsOf(
      `${GOOD}  - restart: r1w1\n    during:\n      - { user: a, on: r1w1 }\n      - { user: b, on: r1w1 }\n`,
    );
    expect(pinned).toEqual([
      expect.stringMatching(
        /^s\.yaml:9:9 steps\[2\]\.during\[1\]\.on: main#4 and main#3 are both pinned to r1w1 while in flight at once[\s\S]*hint: pin each turn of the step to its own worker/,
      ),
    ]);
  });

  it('refuses a recall of what a turn sent at the same time says', async () => {
    const out = await problemsOf(
      `name: x\nsteps:\n  - together:\n      - user: My cat is Miso.\n      - user: What is my cat?\n        expect: { recall: [Miso] }\n`,
    );
    expect(out).toEqual([
      expect.stringMatching(
        /steps\[0\]\.together\[1\]\.expect\.recall\[0\]: recall `Miso` is said by main#1, which is sent at the same time as this turn, so it cannot be remembered yet\n {4}hint: recall it in a later turn/,
      ),
    ]);
  });

  it('refuses a turn in flight on a crashed worker that must be answered', async () => {
    const out = await problemsOf(`${GOOD}  - crash: r1w1\n    during:\n      - user: I like tea.\n`);
    expect(out).toEqual([
      expect.stringMatching(
        /^s\.yaml:8:9 steps\[2\]\.during\[0\]: main#3 is in flight on a worker the crash kills \(SIGKILL\): it can never be answered[\s\S]*hint: add `expect: \{ error: allowed \}`/,
      ),
    ]);
  });

  it('reports during on a step that cannot have turns in flight, and a bad error value', async () => {
    const wait = await problemsOf(`${GOOD}  - wait: 1s\n    during: [{ user: a }]\n`);
    expect(wait).toEqual([
      expect.stringMatching(
        /^s\.yaml:7:5 steps\[2\]\.during: `during` does not go with `wait`\n {4}hint: only `restart`, `crash`, `pause`, `redeploy` take `during`/,
      ),
    ]);
    const error = await problemsOf(
      `${GOOD}  - restart: r1\n    during: [{ user: a, expect: { error: maybe } }]\n`,
    );
    expect(error[0]).toMatch(
      /steps\[2\]\.during\[0\]\.expect\.error: expected true \(the app must fail this turn\), false \(it must answer, the default\) or `allowed` \(either\); found the text "maybe"\n {4}hint: `error: true` \(it must fail\), `error: allowed`/,
    );
  });
});
