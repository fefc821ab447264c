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
    // 160 turns of traffic, then the sweep: each of the 40 sessions asks for all its facts once more.
    expect(r.turns.sent).toBe(200);
    expect(r.turns.sweep).toBe(40);
    expect(r.turns).toMatchObject({ answered: 200, failed: 0 });
    expect([r.memories.lost, r.memories.leaked]).toEqual([0, 0]);
    expect(r.sweeps).toHaveLength(1);
    const [sweep] = r.sweeps;
    expect(sweep).toMatchObject({ sessions: 40, checked: 40, started: 40, failed: 0 });
    expect(sweep?.memories).toEqual({ kept: 160, lost: 0, leaked: 0 });
    // Spread over the final generation: every worker got some.
    expect(sweep?.workers.map((w) => [w.worker, w.generation])).toEqual([
      ['r1w1', 2],
      ['r2w1', 2],
      ['r1w2', 2],
      ['r2w2', 2],
    ]);
    expect(sweep?.workers.every((w) => w.turns > 0)).toBe(true);
    expect(sweep?.workers.reduce((n, w) => n + w.turns, 0)).toBe(40);
    expect(r.windows[2]?.turns.answered).toBeGreaterThanOrEqual(40);
    // Every fact an answered turn said reached the prompt of every later answered turn of its session.
    expect(r.memories.kept).toBeGreaterThan(0);
    expect(r.disruptions.map((d) => d.type)).toEqual(['redeploy']);
    expect(r.windows.map((w) => w.name)).toEqual(['before', 'during', 'after']);
    expect(r.windows.reduce((n, w) => n + w.turns.sent, 0)).toBe(200);
    expect(r.windows[0]?.turns.sent).toBeGreaterThan(0);
    expect(r.latency?.p50).toBeGreaterThan(0);
    attributedExactly(r);
    expect(events.filter((e) => e === 'load-progress')).toHaveLength(r.turns.answered + r.turns.failed);
    expect(events).toContain('load-disruption-start');
    expect(events.indexOf('load-sweep-start')).toBeGreaterThan(events.indexOf('load-disruption'));
    expect(events.filter((e) => e === 'load-sweep')).toHaveLength(1);
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
    expect(r.turns).toEqual({ sent: 100, answered: 100, failed: 0, withoutLlm: 0, sweep: 0 });
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

  it('memory on a replica’s disk: the sweep after a redeploy that outlasts the traffic finds every fact lost', {
    timeout: 120_000,
  }, async () => {
    // One replica: its workers share its disk, so the traffic keeps everything; the redeploy comes
    // once every turn was sent, so no turn of the traffic runs after it. Only the sweep asks.
    await using project = await basicProject(
      'disk',
      {
        'late.yaml': 'name: redeploy at the end\nsteps:\n  - user: My name is Ada.\n  - redeploy: rolling\n',
      },
      { top: 'topology: { replicas: 1, workers: 2 }\n' },
    );
    const r = await loadTest({
      cwd: project.dir,
      scenario: 'late.yaml',
      sessions: 8,
      turns: 3,
      concurrency: 4,
    });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.disruptions.map((d) => d.type)).toEqual(['redeploy']);
    const [sweep] = r.sweeps;
    // Every session asked, on the new generation, and found none of its facts.
    expect(sweep?.sessions).toBe(8);
    expect(sweep?.workers.map((w) => w.generation)).toEqual([2, 2]);
    expect(sweep?.workers.every((w) => w.turns > 0)).toBe(true);
    expect(sweep?.memories.kept).toBe(0);
    expect(sweep?.memories.lost).toBe(r.turns.answered - r.turns.sweep);
    expect(r.verdicts[0]).toMatch(/memories lost/);
    const after = r.windows.find((w) => w.name === 'after');
    expect(after?.turns.sent).toBe(8);
    expect(after?.memories.kept).toBe(0);
    // The evidence names the sweep's turn and what it forgot.
    const turn = r.evidence[0]?.turns.at(-1);
    expect(turn?.sweepAfter).toMatch(/^redeploy all/);
    expect(turn?.label).toMatch(/#4$/);
    expect(turn?.lost.length).toBeGreaterThan(0);
    expect(leftovers(r.runId)).toEqual([]);
  });

  it('several disruptions: a sweep after each, the traffic paused for it; what survives a restart is kept, a redeploy loses it', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject(
      'disk',
      {
        'two.yaml':
          'name: restart then redeploy\nsteps:\n  - user: My name is Ada.\n  - restart\n  - user: And my name?\n  - redeploy: rolling\n  - user: Still there?\n',
      },
      { top: 'topology: { replicas: 1, workers: 2 }\n' },
    );
    const r = await loadTest({
      cwd: project.dir,
      scenario: 'two.yaml',
      sessions: 12,
      turns: 3,
      concurrency: 4,
    });
    expect(r.error).toBeUndefined();
    expect(r.disruptions.map((d) => d.type)).toEqual(['restart', 'redeploy']);
    expect(r.sweeps.map((w) => w.after.split(' ')[0])).toEqual(['restart', 'redeploy']);
    const [afterRestart, afterRedeploy] = r.sweeps;
    // After the restart (same disk), every session begun so far keeps all it said.
    expect(afterRestart?.sessions).toBeGreaterThan(0);
    expect(afterRestart?.sessions).toBeLessThanOrEqual(12);
    expect(afterRestart?.memories.lost).toBe(0);
    expect(afterRestart?.memories.kept).toBeGreaterThan(0);
    // Each sweep ran after its disruption ended and before the next began.
    expect(afterRestart?.startMs).toBeGreaterThanOrEqual(r.disruptions[0]?.endMs ?? Infinity);
    expect(afterRestart?.endMs).toBeLessThanOrEqual(r.disruptions[1]?.startMs ?? -1);
    // After the redeploy (fresh disk), every session asks, and what was said before it is gone.
    expect(afterRedeploy?.sessions).toBe(12);
    expect(afterRedeploy?.memories.lost).toBeGreaterThan(0);
    expect(r.exitCode).toBe(1);
    expect(r.windows.filter((w) => w.name === 'after').every((w) => w.turns.answered > 0)).toBe(true);
  });

  it('failed turns fail the load unless accepted, say when and why, and leave the artifacts either way', {
    timeout: 120_000,
  }, async () => {
    // FAIL_ON: the app answers every second turn with a 500 (the canary of turn 2 ends in -t02).
    await using project = await basicProject(
      'disk',
      {},
      {
        env: { FAIL_ON: '-t02' },
        top: 'topology: { replicas: 1, workers: 2 }\n',
      },
    );
    const failing = await loadTest({ cwd: project.dir, sessions: 6, turns: 3, concurrency: 3 });
    expect(failing.error).toBeUndefined();
    expect(failing.turns).toMatchObject({ sent: 18, answered: 12, failed: 6 });
    expect(failing.memories.lost).toBe(0);
    expect(failing.exitCode).toBe(1);
    expect(failing.maxFailed).toEqual({ turns: 0, allowed: 0 });
    expect(failing.verdicts).toEqual(['6 turns failed (33% of 18; accepted: 0)']);
    expect(failing.failedBy).toEqual([
      { window: 'no disruption', reason: expect.stringMatching(/500.*FAIL_ON=-t02/), turns: 6 },
    ]);
    const saved = JSON.parse(await readFile(path.join(failing.artifactsDir as string, 'load.json'), 'utf8'));
    expect(saved.turns.failed).toBe(6);

    const accepted = await loadTest({
      cwd: project.dir,
      sessions: 6,
      turns: 3,
      concurrency: 3,
      maxFailed: { percent: 40 },
    });
    expect(accepted.exitCode).toBe(0);
    expect(accepted.maxFailed).toEqual({ percent: 40, allowed: 7 });
    expect(accepted.artifactsDir).toBeDefined();
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
    const share = await runAmnesia(['load', '--max-failed', '0.5'], { cwd: project.dir });
    expect(share.code).toBe(2);
    expect(share.stderr).toMatch(/--max-failed 0\.5: expected a share of the turns such as 0\.5%/);
  });
});
