import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load.ts';
import type { TurnStep } from '../scenario/types.ts';
import { answeredCheck } from './expectations.ts';

const DEFAULTS = { topology: { replicas: 1, workers: 1 }, topologySource: 'test' };

function turn(expect: string): TurnStep {
  const { scenario, problems } = parseScenario(
    't.yaml',
    `name: t\nsteps:\n  - user: Hello?\n${expect ? `    expect: ${expect}\n` : ''}`,
    DEFAULTS,
  );
  const step = scenario?.steps[0];
  if (step?.kind !== 'turn') throw new Error(problems.map((p) => p.message).join('\n'));
  return step;
}

describe('answeredCheck', () => {
  it('reports nothing given an answer the turn expects', () => {
    expect(answeredCheck(turn(''), undefined)).toBeUndefined();
  });

  it('fails given a failure where an answer was expected', () => {
    expect(answeredCheck(turn(''), 'HTTP 500')).toMatchObject({
      kind: 'answered',
      expected: 'an answer',
      passed: false,
      message: 'HTTP 500',
    });
  });

  it('passes given a failure the turn expects (expect.error), and fails given an answer instead', () => {
    expect(answeredCheck(turn('{ error: true }'), 'connection refused')).toMatchObject({
      expected: 'an error',
      passed: true,
      message: 'the app could not answer, as expected: connection refused',
    });
    expect(answeredCheck(turn('{ error: true }'), undefined)).toMatchObject({
      passed: false,
      message: 'the app answered main#1, but this turn expects it to fail',
    });
  });
});
