import { describe, expect, it } from 'vitest';
import { formatLoadEvent, formatLoadProgress, renderLoadSummary } from './report.ts';
import type { LoadTestResult } from './types.ts';

const window = (name: 'before' | 'during' | 'after', sent: number, failed: number, lost: number) => ({
  name,
  disruption: 'redeploy all (rolling, fresh disks)',
  turns: { sent, answered: sent - failed, failed },
  memories: { kept: 10 * sent, lost, leaked: 0 },
  latency: sent ? { p50: 80, p90: 120, p99: 300, max: 900 } : null,
});

const result: LoadTestResult = {
  runId: '20250101-c0ffee',
  startedAt: 0,
  durationMs: 61_000,
  exitCode: 1,
  topology: { replicas: 2, workers: 2 },
  sessions: 1000,
  turnsPerSession: 10,
  concurrency: 32,
  turns: { sent: 11_000, answered: 10_990, failed: 10, withoutLlm: 0, sweep: 1_000 },
  verdicts: ['3 memories lost, 0 leaked', '10 turns failed (0.1% of 11,000; accepted: 0)'],
  maxFailed: { turns: 0, allowed: 0 },
  failedBy: [
    {
      window: 'during redeploy all (rolling, fresh disks)',
      reason: 'POST /chat: the worker closed the connection without answering — did it crash?',
      turns: 10,
    },
  ],
  sweeps: [
    {
      after: 'redeploy all (rolling, fresh disks)',
      startMs: 50_000,
      endMs: 52_000,
      sessions: 1000,
      checked: 1000,
      started: 1000,
      failed: 0,
      memories: { kept: 9_990, lost: 0, leaked: 0 },
      workers: [
        { worker: 'r1w1', generation: 2, turns: 250 },
        { worker: 'r1w2', generation: 2, turns: 250 },
        { worker: 'r2w1', generation: 2, turns: 250 },
        { worker: 'r2w2', generation: 2, turns: 250 },
      ],
    },
  ],
  memories: { kept: 44_900, lost: 3, leaked: 0 },
  latency: { p50: 76, p90: 150, p99: 414, max: 1_250 },
  turnsPerSecond: 171.4,
  windows: [window('before', 5_000, 0, 0), window('during', 1_200, 10, 3), window('after', 4_800, 0, 0)],
  disruptions: [
    {
      type: 'redeploy',
      description: 'redeploy all (rolling, fresh disks)',
      durationMs: 4_000,
      changes: [],
      startMs: 40_000,
      endMs: 44_000,
    } as unknown as LoadTestResult['disruptions'][number],
  ],
  llm: { requests: 9_995, attributed: 9_995, unattributed: 0, misattributed: 0, examples: [] },
  evidence: [
    {
      session: 's0017',
      sessionId: 'amn-20250101-c0ffee-load-s0017-1a2b3c4d',
      lost: 3,
      leaked: 0,
      turns: [
        {
          label: 's0017#1',
          worker: 'r1w2',
          pid: 4310,
          generation: 1,
          window: 'before redeploy all (rolling, fresh disks)',
          startMs: 10,
          endMs: 90,
          latencyMs: 80,
          status: 200,
          canary: 'canary-ffee-s0017-t01',
          kept: 0,
          lost: [],
          leaked: [],
          llmRequests: 1,
        },
        {
          label: 's0017#2',
          worker: 'r2w2',
          pid: 4410,
          generation: 2,
          window: 'during redeploy all (rolling, fresh disks)',
          startMs: 100,
          endMs: 180,
          latencyMs: 80,
          status: 200,
          canary: 'canary-ffee-s0017-t02',
          kept: 0,
          lost: [{ canary: 'canary-ffee-s0017-t01', saidIn: 's0017#1', worker: 'r1w2' }],
          leaked: [],
          prompt: [
            { role: 'system', content: 'You are a helpful assistant.' },
            { role: 'user', content: 'Please remember this: my project codename is canary-ffee-s0017-t02.' },
          ],
          llmRequests: 1,
        },
      ],
    },
  ],
  failures: [
    {
      label: 's0042#3',
      worker: 'r1w1',
      pid: 4311,
      window: 'during redeploy all (rolling, fresh disks)',
      startMs: 120,
      endMs: 130,
      message: 'POST /chat: the worker closed the connection without answering — did it crash?',
    },
  ],
  artifactsDir: '/p/.amnesia/runs/20250101-c0ffee/load',
};

describe('the load mode on the terminal', () => {
  it('sums up: verdict, turns, memories, latency, windows, the audit, failures and lost sessions', () => {
    expect(renderLoadSummary(result, { color: false, cwd: '/p' })).toMatchSnapshot();
  });

  it('says nothing was lost, or why the load could not run', () => {
    const ok = renderLoadSummary(
      {
        ...result,
        exitCode: 0,
        verdicts: [],
        memories: { kept: 1, lost: 0, leaked: 0 },
        evidence: [],
        failures: [],
        windows: [],
      },
      { color: false, cwd: '/p' },
    );
    expect(ok.split('\n')[0]).toBe(
      '✓ nothing lost or leaked  11,000 turns in 1 min 01 s (171 turns/s while traffic ran)',
    );
    const error = renderLoadSummary(
      {
        ...result,
        exitCode: 2,
        error: { code: 'AMNESIA_APP_EXITED', message: 'worker r1w1 exited\n  last line' },
      },
      { color: false, cwd: '/p' },
    );
    expect(error.split('\n').slice(0, 2)).toEqual([
      '✗ error  AMNESIA_APP_EXITED: worker r1w1 exited',
      '    last line',
    ]);
  });

  it('one line per event worth it, and the progress line', () => {
    const progress = {
      total: 10_000,
      sent: 3_412,
      sweepTurns: 0,
      answered: 3_380,
      failed: 2,
      kept: 15_230,
      lost: 1,
      leaked: 0,
      elapsedMs: 20_000,
    };
    expect(formatLoadProgress(progress, { color: false })).toBe(
      '  3,412 / 10,000 turns  171/s  3,380 answered · 2 failed  memories 15,230 kept · 1 lost · 0 leaked',
    );
    expect(
      formatLoadEvent(
        { type: 'load-disruption-start', description: 'redeploy all (rolling)', progress },
        { color: false },
      ),
    ).toBe('  ⟳ redeploy all (rolling) starts  after 3,412 turns');
    expect(formatLoadEvent({ type: 'load-progress', progress }, { color: false })).toBeUndefined();
    const sweeping = {
      ...progress,
      sent: 10_000,
      sweepTurns: 120,
      sweep: { after: 'redeploy all (rolling, fresh disks)', asked: 120, of: 1_000 },
    };
    expect(formatLoadProgress(sweeping, { color: false })).toBe(
      '  10,000 / 10,000 turns + sweep after redeploy all 120 / 1,000 sessions  506/s  3,380 answered · 2 failed  memories 15,230 kept · 1 lost · 0 leaked',
    );
    expect(formatLoadProgress({ ...sweeping, sweep: undefined }, { color: false })).toMatch(
      /^ {2}10,000 \/ 10,000 turns \+ 120 sweep {2}/,
    );
    expect(
      formatLoadEvent(
        {
          type: 'load-sweep-start',
          after: 'redeploy all (rolling, fresh disks)',
          sessions: 1_000,
          workers: 4,
          progress: sweeping,
        },
        { color: false },
      ),
    ).toBe(
      '  ↻ sweep after redeploy all (rolling, fresh disks): 1,000 sessions ask for all their facts, spread over 4 workers',
    );
    const sweep = result.sweeps[0];
    if (!sweep) throw new Error('fixture');
    expect(formatLoadEvent({ type: 'load-sweep', sweep, progress: sweeping }, { color: false })).toBe(
      '  ↻ sweep after redeploy all (rolling, fresh disks) done: 1,000 of 1,000 sessions checked · 9,990 kept · 0 lost · 0 leaked  r1w1 250 · r1w2 250 · r2w1 250 · r2w2 250  2.0 s',
    );
  });
});
