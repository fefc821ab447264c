import { describe, expect, it } from 'vitest';
import {
  DISRUPTION_KINDS,
  DISRUPTIONS,
  type DisruptionTable,
  disruptionText,
} from '../../src/disruptions/index.ts';
import type { Restart } from '../../src/disruptions/restart.ts';
import type { DisruptionSpec } from '../../src/disruptions/spec.ts';
import { BARE_STEPS, STEP_KINDS } from '../../src/scenario/schema.ts';

// The table's guarantees are the compiler's: `tsc -p .` fails if an `@ts-expect-error` below is not
// an error any more (a table that compiles without a kind, or a kind without a piece).
describe('the disruption table', () => {
  it('does not compile without an entry for every kind', () => {
    const { restart: _dropped, ...withoutRestart } = DISRUPTIONS;
    // @ts-expect-error restart has no entry
    const table: DisruptionTable = withoutRestart;
    expect(Object.keys(table)).not.toContain('restart');
  });

  it('does not compile with an entry missing a piece', () => {
    const { text: _dropped, ...withoutText } = DISRUPTIONS.restart;
    // @ts-expect-error an entry must say how its step is worded
    const spec: DisruptionSpec<Restart> = withoutText;
    expect(spec).not.toHaveProperty('text');
  });

  it('is what the scenario schema is made of: each kind a step key, the bare words those that have defaults', () => {
    expect(Object.keys(STEP_KINDS)).toEqual(['user', 'together', ...DISRUPTION_KINDS]);
    expect(BARE_STEPS).toEqual(['restart', 'crash', 'redeploy']);
    for (const kind of DISRUPTION_KINDS) expect(DISRUPTIONS[kind].kind).toBe(kind);
  });

  it('words a step one way: the target, then the details in parentheses', () => {
    const r1 = { kind: 'replica', replica: 1 } as const;
    expect(disruptionText({ kind: 'redeploy', strategy: 'rolling', target: { kind: 'all' } })).toBe(
      'redeploy all (rolling)',
    );
    expect(disruptionText({ kind: 'crash', target: r1 })).toBe('crash r1');
    expect(disruptionText({ kind: 'restart', target: r1, graceMs: 100 })).toBe('restart r1');
    expect(disruptionText({ kind: 'wait', ms: 20 })).toBe('wait 20 ms');
    expect(disruptionText({ kind: 'outage', service: 'cache', ms: 3000 })).toBe(
      'outage of cache for 3000 ms',
    );
  });

  it('says whom a step hits and the shape after it', () => {
    const shape = { replicas: 2, workers: 2 };
    const r2 = { kind: 'replica', replica: 2 } as const;
    expect(DISRUPTIONS.crash.hits({ kind: 'crash', target: r2 }, shape)).toEqual({
      workers: ['r2w1', 'r2w2'],
      shape,
    });
    expect(DISRUPTIONS.scale.hits({ kind: 'scale', replicas: 3 }, shape)).toEqual({
      workers: ['r3w1', 'r3w2'],
      shape: { replicas: 3, workers: 2 },
    });
    expect(DISRUPTIONS.wait.hits({ kind: 'wait', ms: 5 }, shape)).toEqual({ workers: [], shape });
  });
});
