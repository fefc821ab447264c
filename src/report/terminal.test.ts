import { describe, expect, it } from 'vitest';
import { CWD, crashStep, failing, isolationRun, passing, run } from '../../test/support/report-fixtures.ts';
import type { RunEvent, ScenarioResult, TurnRecord } from '../run/types.ts';
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
      '    the probe kept every fact (every rung ✓): it does not reproduce this failure\n',
    );
    expect(text).toContain(
      '  diagnosis  SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓\n    the probe kept every fact (every rung ✓): it does not reproduce this failure\n    alice#2: nothing in its evidence explains it: start from its prompt\n',
    );
    expect(text).not.toMatch(/^ +→ /m);
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
    expect(text).toContain('    ✗ answered: POST /chat answered 500 Internal Server Error');
    expect(text).toContain("      │ AttributeError: 'list' object has no attribute 'get'");
  });
});
