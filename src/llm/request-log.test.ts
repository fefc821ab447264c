import { describe, expect, it } from 'vitest';
import { RequestLog } from './request-log.ts';
import type { RecordedLlmRequest, TurnScope } from './types.ts';

const turn = (turnId: string): TurnScope => ({ turnId, session: 'alice', label: 'alice#1', priorTurns: [] });

function record(log: RequestLog, scope: string, worker: string): RecordedLlmRequest {
  const arrival = log.arrive(scope, worker);
  const recorded: RecordedLlmRequest = {
    seq: arrival.seq,
    at: arrival.at,
    scope,
    worker,
    turnId: arrival.turn?.turnId ?? null,
    kind: 'models',
    method: 'GET',
    path: '/models',
    stream: false,
    messages: [],
    input: [],
    body: null,
    status: 200,
    reply: null,
  };
  log.add(arrival, recorded);
  return recorded;
}

describe('RequestLog', () => {
  it('numbers requests in order of arrival and keeps them in that order when answered out of order', () => {
    const log = new RequestLog(() => 42);
    const first = log.arrive('s', 'w');
    const second = log.arrive('s', 'w');
    const base = {
      scope: 's',
      worker: 'w',
      turnId: null,
      kind: 'models',
      method: 'GET',
      path: '/models',
    } as const;
    const rest = { stream: false, messages: [], input: [], body: null, status: 200, reply: null };
    log.add(second, { ...base, ...rest, seq: second.seq, at: second.at });
    log.add(first, { ...base, ...rest, seq: first.seq, at: first.at });
    expect(log.requests().map((r) => [r.seq, r.at])).toEqual([
      [1, 42],
      [2, 42],
    ]);
  });

  it('attributes by turn, so a reused turn id does not pull in an earlier turn', () => {
    const log = new RequestLog();
    log.beginTurn('s', 'w', turn('t1'));
    const a = record(log, 's', 'w');
    expect(log.endTurn('s', 'w')).toEqual([a]);
    log.beginTurn('s', 'w', turn('t1'));
    const b = record(log, 's', 'w');
    expect(log.endTurn('s', 'w')).toEqual([b]);
  });

  it('never attributes the bare URL (empty scope and worker)', () => {
    const log = new RequestLog();
    expect(() => log.beginTurn('', '', turn('t1'))).toThrow(/non-empty scope/);
    expect(record(log, '', '').turnId).toBeNull();
  });

  it('does not let a later change to the turn object change attribution or replies', () => {
    const log = new RequestLog();
    const mutable = turn('t1');
    log.beginTurn('s', 'w', mutable);
    mutable.turnId = 'changed';
    expect(record(log, 's', 'w').turnId).toBe('t1');
  });
});
