import { describe, expect, it } from 'vitest';
import {
  CWD,
  erroring,
  failing,
  isolationRun,
  leaking,
  passing,
  run,
} from '../../test/support/report-fixtures.ts';
import { type ParsedElement, parseXml } from '../../test/support/xml-check.ts';
import type { RunResult, TurnRecord } from '../types/results.ts';
import { renderJUnit } from './junit.ts';

const all = (e: ParsedElement, name: string): ParsedElement[] => [
  ...(e.name === name ? [e] : []),
  ...e.children.flatMap((c) => all(c, name)),
];

describe('renderJUnit', () => {
  it('renders a suite per scenario and a case per judged turn', () => {
    expect(renderJUnit(run, { cwd: CWD })).toMatchSnapshot();
  });

  it('renders leaks and vacuous recalls as their own cases', () => {
    expect(renderJUnit(isolationRun, { cwd: CWD })).toMatchSnapshot();
  });

  it.each([
    ['run', run],
    ['isolationRun', isolationRun],
  ])('writes well-formed XML (%s)', (_name, r) => {
    const root = parseXml(renderJUnit(r));
    expect(root.name).toBe('testsuites');
    expect(all(root, 'testsuite')).toHaveLength(r.scenarios.length);
  });

  it('counts tests, failures and errors per suite and in total', () => {
    const root = parseXml(renderJUnit(run, { cwd: CWD }));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', errors: '1' });
    const [ok, bad, err] = all(root, 'testsuite');
    expect(ok?.attrs).toMatchObject({
      name: passing.name,
      file: 'scenarios/cross-worker.yaml',
      tests: '1',
      failures: '0',
    });
    expect(bad?.attrs).toMatchObject({ name: failing.name, tests: '2', failures: '2', errors: '0' });
    expect(err?.attrs).toMatchObject({ name: erroring.name, tests: '1', errors: '1' });
    expect(all(err as ParsedElement, 'error')[0]?.attrs.type).toBe('AMNESIA_APP_EXITED');
  });

  it('names a case after the turn label and the start of the user text, with time in seconds', () => {
    const root = parseXml(renderJUnit(run));
    const cases = all(root, 'testcase').filter((c) => c.attrs.classname === failing.name);
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'alice#2: What is my secret word?',
      'bob#2: What is my secret word?',
    ]);
    expect(cases[0]?.attrs.time).toBe('0.097');
    expect(cases[0]?.attrs.line).toBe('13');
  });

  it('puts the evidence in the failure and the diagnosis in system-out', () => {
    const root = parseXml(renderJUnit(run, { cwd: CWD }));
    const failure = all(root, 'failure')[0];
    expect(failure?.attrs.message).toContain('recall "pineapple": forgot "pineapple"');
    expect(failure?.text).toContain('alice#2 → r1w1 pid 4410 (after crash r1');
    expect(failure?.text).toContain('said in alice#1 on r1w1');
    expect(failure?.text).toContain('user: What is my secret word?');
    const out = all(root, 'system-out')
      .map((o) => o.text)
      .join('\n');
    expect(out).toContain('diagnosis: SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗');
    expect(out).toContain('row 2: per-session memory in a process-global map');
    expect(out).toContain('replay: npx amnesia run scenarios/two-sessions.yaml --seed 42');
  });

  it('escapes <&"\' and strips control characters wherever the data goes', () => {
    const evil = 'Say <b>"hi"</b> & \'bye\' \u0001\u0008\u000b\u000c\u001f]]> done';
    const turn = leaking.steps[1] as TurnRecord;
    const weird: TurnRecord = {
      ...turn,
      user: evil,
      expectations: [{ ...(turn.expectations[0] as TurnRecord['expectations'][0]), message: evil }],
    };
    const r: RunResult = {
      ...isolationRun,
      runId: evil,
      scenarios: [{ ...leaking, name: evil, steps: [leaking.steps[0] as TurnRecord, weird], replay: evil }],
    };
    const xml = renderJUnit(r);
    const controls = [...xml].filter((c) => c < ' ' && c !== '\n' && c !== '\t' && c !== '\r');
    expect(controls).toEqual([]);
    const root = parseXml(xml);
    const clean = 'Say <b>"hi"</b> & \'bye\' ]]> done';
    expect(all(root, 'testsuite')[0]?.attrs.name).toBe(clean);
    const failure = all(root, 'failure').find((f) => f.attrs.type === 'forget');
    expect(failure?.attrs.message).toContain(clean);
    expect(failure?.text).toContain(clean);
    expect(all(root, 'testcase').map((c) => c.attrs.name)).toContain(`alice#1: ${clean}`.slice(0, 68));
  });

  it('marks a skipped scenario skipped', () => {
    const r: RunResult = { ...run, scenarios: [{ ...passing, status: 'skipped', steps: [] }] };
    const root = parseXml(renderJUnit(r));
    expect(all(root, 'skipped')).toHaveLength(1);
    expect(root.attrs.skipped).toBe('1');
  });
});
