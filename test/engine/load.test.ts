import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LoadTestResult, loadTest } from '../../src/index.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';
import { runAmnesia } from '../helpers/cli.ts';

const ROLLING = `name: rolling redeploy in the middle
steps:
  - user: My name is Ada.
  - redeploy: rolling
  - user: What is my name?
    expect: { recall: [Ada] }
`;

/** Every request attributed to the turn that made it, none to another, none outside a turn. */
function attributedExactly(r: LoadTestResult) {
  expect(r.llm.misattributed).toBe(0);
  expect(r.llm.unattributed).toBe(0);
  expect(r.llm.attributed).toBe(r.llm.requests);
  expect(r.llm.requests).toBeGreaterThanOrEqual(r.turns.answered);
}

// Counts, not timings: which worker serves which turn is fixed (the turns of a session rotate
// over the workers), so what a broken memory loses is known exactly.
describe.concurrent('load mode against the test app', () => {
  it('the fixed app (a shared store) keeps every memory of 40 sessions × 4 turns, 8 at once, through a rolling redeploy', {
    timeout: 180_000,
  }, async () => {
    await using project = await basicProject('postgres', { 'rolling.yaml': ROLLING });
    const events: string[] = [];
    const r = await loadTest({
      cwd: project.dir,
      scenario: 'rolling.yaml',
      sessions: 40,
      turns: 4,
      concurrency: 8,
      onEvent: (e) => events.push(e.type),
    });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.turns.sent).toBe(160);
    expect(r.turns.answered + r.turns.failed).toBe(160);
    expect([r.memories.lost, r.memories.leaked]).toEqual([0, 0]);
    // Every fact an answered turn said reached the prompt of every later answered turn of its session.
    expect(r.memories.kept).toBeGreaterThan(0);
    expect(r.disruptions.map((d) => d.type)).toEqual(['redeploy']);
    expect(r.windows.map((w) => w.name)).toEqual(['before', 'during', 'after']);
    expect(r.windows.reduce((n, w) => n + w.turns.sent, 0)).toBe(160);
    expect(r.windows[0]?.turns.sent).toBeGreaterThan(0);
    expect(r.latency?.p50).toBeGreaterThan(0);
    attributedExactly(r);
    expect(events.filter((e) => e === 'load-progress')).toHaveLength(r.turns.answered + r.turns.failed);
    expect(events).toContain('load-disruption-start');
    expect(events.at(-1)).toBe('load-end');
    expect(r.artifactsDir).toBeUndefined();
    expect(leftovers(r.runId)).toEqual([]);
  });

  it('memory in one process (row 2): every fact asked for on another worker is counted lost', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {});
    const r = await loadTest({ cwd: project.dir, sessions: 20, turns: 5, concurrency: 6 });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.turns).toEqual({ sent: 100, answered: 100, failed: 0, withoutLlm: 0 });
    // Turns 1–4 of a session land on the 4 workers in turn; turn 5 is back on turn 1's worker:
    // per session, turns 2–5 lose 1 + 2 + 3 + 3 facts and turn 5 keeps 1.
    expect(r.memories).toEqual({ kept: 20, lost: 180, leaked: 0 });
    expect(r.windows).toEqual([]);
    attributedExactly(r);
    const [first] = r.evidence;
    expect(r.evidence).toHaveLength(5);
    expect(first?.lost).toBe(9);
    const second = first?.turns[1];
    expect(second?.lost).toEqual([
      { canary: first?.turns[0]?.canary, saidIn: first?.turns[0]?.label, worker: first?.turns[0]?.worker },
    ]);
    expect(second?.worker).not.toBe(first?.turns[0]?.worker);
    expect(second?.prompt?.map((m) => m.role)).toEqual(['system', 'user']);
    // The evidence stays: the result and the workers' logs.
    const saved = JSON.parse(await readFile(path.join(r.artifactsDir as string, 'load.json'), 'utf8'));
    expect(saved.memories).toEqual(r.memories);
    expect(leftovers(r.runId)).toEqual([]);
  });

  it('memory not keyed by session (row 7): other sessions’ facts in a prompt are counted leaked', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('unkeyed', {});
    // One session at a time: session n's turns see every fact of sessions 1…n-1 (2 per session).
    const r = await loadTest({ cwd: project.dir, sessions: 3, turns: 2, concurrency: 1 });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.memories).toEqual({ kept: 3, lost: 0, leaked: 12 });
    expect(r.evidence.map((s) => [s.session, s.leaked])).toEqual([
      ['s0002', 4],
      ['s0003', 8],
    ]);
    expect(r.evidence[0]?.turns[0]?.leaked.map((l) => l.session)).toEqual(['s0001', 's0001']);
    attributedExactly(r);
  });

  it('refuses a serverless topology and bad sizes (bad input, nothing started)', async () => {
    await using project = await basicProject('global', {}, { top: 'topology: { serverless: true }\n' });
    await expect(loadTest({ cwd: project.dir })).rejects.toThrow(/load mode runs against long-lived workers/);
    await expect(loadTest({ cwd: project.dir, turns: 1, topology: { replicas: 1 } })).rejects.toThrow(
      /turns must be a whole number ≥ 2/,
    );
  });
});

describe('amnesia load (CLI)', () => {
  it('prints progress and the summary, exits 1 when memories were lost, 2 on bad input', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', {});
    const lost = await runAmnesia(
      ['load', '--sessions', '8', '--turns', '3', '--concurrency', '4', '--report', 'json=out/load.json'],
      { cwd: project.dir },
    );
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/^▶ amnesia load {2}8 sessions × 3 turns, 4 at once, on 2 × 2 {2}run \S+$/m);
    expect(lost.stdout).toMatch(
      /^ {2}24 \/ 24 turns .* 24 answered · 0 failed {2}memories 0 kept · 24 lost · 0 leaked$/m,
    );
    expect(lost.stdout).toMatch(/^✗ 24 memories lost, 0 leaked/m);
    expect(lost.stdout).toMatch(
      /^ {2}LLM {7}24 requests · 24 attributed to their turn by its fact · 0 misattributed · 0 outside any turn$/m,
    );
    expect(lost.stdout).toMatch(/^ {10}forgot canary-\w+-s\d{4}-t01, said in s\d{4}#1 on r\dw\d$/m);
    const report = JSON.parse(await readFile(path.join(project.dir, 'out/load.json'), 'utf8'));
    expect(report.memories).toEqual({ kept: 0, lost: 24, leaked: 0 });

    const bad = await runAmnesia(['load', '--turns', '1'], { cwd: project.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--turns 1: expected a whole number from 2 to 100/);
  });
});
