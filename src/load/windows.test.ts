import { describe, expect, it } from 'vitest';
import { latencyOf, placeOf, placeText, summarizeWindows, type TurnOutcome } from './windows.ts';

const spans = [
  { description: 'redeploy all (rolling, fresh disks)', startMs: 100, endMs: 200 },
  { description: 'crash r1', startMs: 300, endMs: 310 },
];
const turn = (startMs: number, endMs: number, over: Partial<TurnOutcome> = {}): TurnOutcome => ({
  startMs,
  endMs,
  answered: true,
  latencyMs: endMs - startMs,
  kept: 1,
  lost: 0,
  leaked: 0,
  ...over,
});

describe('windows: before, during and after each disruption', () => {
  it('places a turn during the first disruption it overlapped, else after the last one that ended before it', () => {
    expect(placeOf(turn(10, 20), spans)).toEqual({ name: 'before', index: 0 });
    expect(placeOf(turn(90, 101), spans)).toEqual({ name: 'during', index: 0 });
    expect(placeOf(turn(199, 305), spans)).toEqual({ name: 'during', index: 0 });
    expect(placeOf(turn(201, 250), spans)).toEqual({ name: 'after', index: 0 });
    expect(placeOf(turn(305, 306), spans)).toEqual({ name: 'during', index: 1 });
    expect(placeOf(turn(400, 450), spans)).toEqual({ name: 'after', index: 1 });
    expect(placeText({ name: 'during', index: 1 }, spans)).toBe('during crash r1');
  });

  it('counts turns, memories and latency per window; nothing without disruptions', () => {
    const ws = summarizeWindows(
      [
        turn(10, 20),
        turn(150, 160, { answered: false, kept: 0 }),
        turn(150, 180, { lost: 2 }),
        turn(250, 260, { leaked: 1 }),
      ],
      spans,
    );
    expect(
      ws.map((w) => [w.name, w.disruption, w.turns.sent, w.turns.failed, w.memories.lost, w.memories.leaked]),
    ).toEqual([
      ['before', 'redeploy all (rolling, fresh disks)', 1, 0, 0, 0],
      ['during', 'redeploy all (rolling, fresh disks)', 2, 1, 2, 0],
      ['after', 'redeploy all (rolling, fresh disks)', 1, 0, 0, 1],
      ['during', 'crash r1', 0, 0, 0, 0],
      ['after', 'crash r1', 0, 0, 0, 0],
    ]);
    expect(ws[1]?.latency).toEqual({ p50: 30, p90: 30, p99: 30, max: 30 });
    expect(ws[3]?.latency).toBeNull();
    expect(summarizeWindows([turn(1, 2)], [])).toEqual([]);
  });

  it('latency percentiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyOf(xs)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(latencyOf([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
    expect(latencyOf([])).toBeNull();
  });
});
