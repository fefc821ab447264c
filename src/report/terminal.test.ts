import { describe, expect, it } from 'vitest';
import {
  CWD,
  crashStep,
  erroring,
  failing,
  isolationRun,
  passing,
  run,
} from '../../test/support/report-fixtures.ts';
import type { RunEvent, ScenarioResult, TurnRecord } from '../types/results.ts';
import { formatSignature } from '../verdict/diagnosis.ts';
import { explainFailures } from '../verdict/explain.ts';
import { formatEvent, renderSummary } from './terminal.ts';

const off = { color: false };

function eventsOf(s: ScenarioResult): RunEvent[] {
  return [
    {
      type: 'scenario-start',
      scenario: s.name,
      slug: s.slug,
      topology: s.topology,
      routing: s.routing,
      seed: s.seed,
    },
    ...s.steps.map(
      (step): RunEvent =>
        step.kind === 'turn'
          ? { type: 'turn', scenario: s.name, turn: step }
          : { type: 'disruption', scenario: s.name, disruption: step },
    ),
    { type: 'scenario-end', result: s },
  ];
}

describe('formatEvent', () => {
  it('renders a progress line per step of a run', () => {
    const lines = [
      formatEvent({ type: 'run-start', runId: run.runId, seed: run.seed, scenarios: 3 }, off),
      ...run.scenarios.flatMap(eventsOf).map((e) => formatEvent(e, off)),
    ];
    expect(lines.join('\n')).toMatchSnapshot();
  });

  it('shows a turn with its worker, pid, latency and checks', () => {
    const turn = passing.steps[1] as TurnRecord;
    expect(formatEvent({ type: 'turn', scenario: passing.name, turn }, off)).toBe(
      '  ✓ alice#2 → r2w1 pid 4302  84 ms  recall "Ada" ✓',
    );
  });

  it('shows a failed turn with the disruption it came after, failed checks first', () => {
    const turn = failing.steps[3] as TurnRecord;
    expect(formatEvent({ type: 'turn', scenario: failing.name, turn }, off)).toBe(
      '  ✗ alice#2 → r1w1 pid 4410 (after crash r1)  97 ms  recall "pineapple" ✗, forget "tangerine" ✓',
    );
  });

  it('shows a disruption with the pids it replaced', () => {
    expect(formatEvent({ type: 'disruption', scenario: failing.name, disruption: crashStep }, off)).toBe(
      '  ⟳ crash r1 (SIGKILL, respawn on the same disk)  r1w1 4310→4410, r1w2 4312→4412  212 ms',
    );
  });

  it('stays quiet when a worker becomes ready and at the end of the run', () => {
    expect(
      formatEvent(
        { type: 'worker-ready', scenario: 'x', worker: 'r1w1', pid: 1, bootMs: 90, generation: 1 },
        off,
      ),
    ).toBeUndefined();
    expect(formatEvent({ type: 'run-end', result: run }, off)).toBeUndefined();
  });

  it('shows an HTTP failure and strips terminal escapes from the app', () => {
    const turn: TurnRecord = {
      ...(passing.steps[1] as TurnRecord),
      status: 500,
      reply: null,
      failure: {
        kind: 'http',
        message: 'POST /chat answered 500 Internal Server Error: \u001b[31mTypeError\u001b[0m\u0007 boom',
        outputTail: [],
      },
      expectations: [
        {
          kind: 'answered',
          expected: 'an answer',
          passed: false,
          message: 'x',
          at: passing.steps[1]?.at ?? { file: '', line: 0, column: 0 },
        },
      ],
      passed: false,
    };
    const line = formatEvent({ type: 'turn', scenario: passing.name, turn }, off);
    expect(line).toBe(
      '  ✗ alice#2 → r2w1 pid 4302  84 ms  http: POST /chat answered 500 Internal Server Error: TypeError boom',
    );
  });

  it('cuts a long failure reason at a word boundary, with an ellipsis', () => {
    const turn: TurnRecord = {
      ...(passing.steps[1] as TurnRecord),
      reply: null,
      failure: {
        kind: 'connection',
        message:
          'the worker closed the connection without answering (ECONNRESET) while its replica was being redeployed by the rolling strategy',
        outputTail: [],
      },
      passed: false,
    };
    const line = formatEvent({ type: 'turn', scenario: passing.name, turn }, off) ?? '';
    expect(line).toMatch(
      / {2}connection: the worker closed the connection without answering \(ECONNRESET\) while its replica was being…$/,
    );
    expect(line).toMatch(/ \w+…$/);
  });

  it('shows the probe ladder as part of the failed scenario: a sub-heading, no result line of its own', () => {
    const start = formatEvent(
      {
        type: 'scenario-start',
        scenario: 'probe ladder',
        slug: 'probe-ladder-2x2',
        topology: { replicas: 2, workers: 2 },
        routing: 'spread',
        seed: 42,
        probe: true,
      },
      off,
    );
    expect(start).toBe('  ⋯ probe ladder on a fresh 2 × 2 topology, a fresh session per rung:');
    expect(formatEvent({ type: 'scenario-end', result: failing, probe: true }, off)).toBeUndefined();
    // The scenario's own result says failed once, and leaves the signature to the summary.
    expect(formatEvent({ type: 'scenario-end', result: failing }, off)).toBe('✗ failed  3.5 s');
  });

  it('ends a scenario of several sessions with what its isolation check covered', () => {
    const isolation = { sessions: 2, sharedTurns: 3, facts: 4, leaks: 0 };
    expect(formatEvent({ type: 'scenario-end', result: { ...passing, isolation } }, off)).toBe(
      `  isolation: 2 sessions, 3 turns where they shared a process, 4 facts checked for leaks, 0 leaks found\n${formatEvent({ type: 'scenario-end', result: passing }, off)}`,
    );
  });

  it('colours only when asked', () => {
    const e: RunEvent = { type: 'scenario-end', result: failing };
    expect(formatEvent(e, off)).not.toContain('\u001b[');
    expect(formatEvent(e, { color: true })).toContain('\u001b[31m');
  });
});

describe('renderSummary', () => {
  it('renders the failed and errored scenarios, then the totals', () => {
    expect(renderSummary(run, { color: false, cwd: CWD })).toMatchSnapshot();
  });

  it('puts a scenario with a leak first, and the leak first within it', () => {
    const text = renderSummary(isolationRun, { color: false, cwd: CWD });
    expect(text).toMatchSnapshot();
    const leak = text.indexOf('✗ secrets stay with their owner');
    expect(leak).toBe(0);
    expect(text.indexOf('✗ two sessions stay apart')).toBeGreaterThan(leak);
    const block = text.slice(0, text.indexOf('\n\n'));
    expect(block.split('\n')[1]).toMatch(/^ {2}leak bob#1's message/);
  });

  it('shows paths relative to cwd, and absolute without it', () => {
    expect(renderSummary(run, { color: false, cwd: CWD })).toContain('  scenarios/two-sessions.yaml:13:22');
    expect(renderSummary(run, { color: false })).toContain('/repo/scenarios/two-sessions.yaml:13:22');
  });

  it('prints the totals line with the duration, seed and run id from the data', () => {
    const last = renderSummary(run, { color: false }).trimEnd().split('\n').at(-1);
    expect(last).toBe('3 scenarios: 1 passed, 1 failed, 1 error  (12.3 s, seed 42, run 20250101-c0ffee)');
  });

  it('is only the totals line when everything passed', () => {
    const ok = { ...run, exitCode: 0 as const, scenarios: [passing] };
    expect(renderSummary(ok, off)).toBe(
      '1 scenario: 1 passed, 0 failed, 0 errors  (12.3 s, seed 42, run 20250101-c0ffee)\n',
    );
  });

  it('says once that the probe could not reproduce the loss, and what explains each turn instead', () => {
    const d = failing.diagnosis;
    if (!d) throw new Error('fixture has a diagnosis');
    const rungs = d.rungs.map((r) => ({ ...r, kept: true }));
    const diagnosis = {
      ...d,
      rungs,
      signature: formatSignature(rungs),
      rows: [],
      advice: '',
      reproduced: false,
    };
    const scenario = { ...failing, diagnosis, explanations: explainFailures({ ...failing, diagnosis }) };
    const text = renderSummary({ ...run, scenarios: [scenario] }, off);
    expect(text.match(/reproduce/g)).toEqual(['reproduce']);
    expect(text).toContain(
      '  why        alice#2: nothing in its evidence explains it: start from its prompt\n',
    );
    expect(text).toContain(
      '\nprobe (2 × 2)  SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓\n  the probe kept every fact (every rung ✓): it does not reproduce this failure\n\n',
    );
    expect(text).not.toContain('what to change');
  });

  it('says what the probe found and what to change once, however many scenarios share the probe', () => {
    const twice = { ...run, scenarios: [failing, { ...failing, name: 'two sessions again' }] };
    const text = renderSummary(twice, { color: false, cwd: CWD });
    expect(text.match(/SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗/g)).toHaveLength(1);
    expect(text.match(/row 2: per-session memory/g)).toHaveLength(1);
    expect(text.match(/→ row 2: state lives in one process's RAM/g)).toHaveLength(1);
    // Each scenario keeps its own turns' explanations.
    expect(text.match(/why {8}alice#2: since alice#1 \(r1w1\) it came after a crash/g)).toHaveLength(2);
  });

  it('says once that replicas share a folder outside them, before the totals', () => {
    const text = renderSummary(
      { ...run, sharedPaths: [{ env: 'MEMORY_DIR', path: '/srv/shared' }] },
      { color: false, cwd: CWD },
    );
    expect(text.match(/replicas share/g)).toHaveLength(1);
    expect(text).toContain(
      '\nnote  replicas share /srv/shared (app.env.MEMORY_DIR): as if on a network volume, so a cross-replica scenario can pass here where a production without one would lose what the app keeps there\n\n3 scenarios:',
    );
    // Also when every scenario passed: a green run must not be silently a false one.
    const green = renderSummary(
      { ...run, exitCode: 0, scenarios: [passing], sharedPaths: [{ env: 'M', path: '/srv/m' }] },
      off,
    );
    expect(green).toMatch(/^note {2}replicas share \/srv\/m/);
  });

  it('says in one line why a scenario stopped and which steps did not run', () => {
    const stopped = {
      ...erroring,
      steps: passing.steps,
      stopped: { at: 'restart r1w1', notRun: ['alice#3', 'crash all', 'alice#4'] },
      error: {
        code: 'AMNESIA_APP_EXITED',
        message: 'worker r1w1 exited with code 3 before GET /healthz answered (after 0.2 s).',
      },
    };
    const text = renderSummary({ ...run, scenarios: [stopped] }, off);
    expect(text).toContain(
      '  AMNESIA_APP_EXITED: worker r1w1 exited with code 3 before GET /healthz answered (after 0.2 s). — stopped at restart r1w1; did not run: alice#3, crash all, alice#4\n',
    );
    expect(text.match(/not run/g)).toHaveLength(1);
  });

  it('shows the output tail of a worker that failed a turn', () => {
    const turn = failing.steps[3] as TurnRecord;
    const broken: TurnRecord = {
      ...turn,
      status: 500,
      reply: null,
      llm: [],
      failure: {
        kind: 'http',
        message:
          'POST /chat answered 500 Internal Server Error: {"detail":"\'list\' object has no attribute \'get\'"}',
        outputTail: [
          'Traceback (most recent call last):',
          "AttributeError: 'list' object has no attribute 'get'",
        ],
      },
      expectations: [
        {
          kind: 'answered',
          expected: 'an answer',
          passed: false,
          message: 'POST /chat answered 500 Internal Server Error',
          at: turn.at,
        },
      ],
      passed: false,
    };
    const text = renderSummary(
      { ...run, scenarios: [{ ...failing, steps: [broken], diagnosis: undefined }] },
      off,
    );
    expect(text).toContain('    ✗ POST /chat answered 500 Internal Server Error');
    expect(text).toContain("      │ AttributeError: 'list' object has no attribute 'get'");
  });
});
