import { describe, expect, it } from 'vitest';
import type { Rung, RungResult } from '../run/types.ts';
import { diagnose, RUNGS } from './diagnosis.ts';

/** `'✓✗✗✓✗✗'` (or `–` for a skipped rung; a 7th character for CC) → rung results. */
const rungs = (s: string): RungResult[] =>
  [...s].map((c, i) => ({ rung: RUNGS[i] as Rung, kept: c === '–' ? null : c === '✓' }));

const rows = (s: string, leak = false, scenarioFailed = true) =>
  diagnose(rungs(s), { leak, scenarioFailed }).rows.map((r) => r.id);

describe('diagnose: signature → row of the failure table', () => {
  it.each([
    ['✗✗✗✗✗✗', ['1']],
    ['✓✗✗✗✗✗', ['2']],
    ['✓✓✗✓✓✗', ['3']],
    ['✓✗✗✓✗✗', ['6a']],
    ['✓✗✗✓✓✓', ['6b']],
  ])('%s is row %s', (sig, expected) => {
    expect(rows(sig)).toEqual(expected);
  });

  it('a leak with every rung kept is row 7; without a leak it is the fixed pattern', () => {
    expect(rows('✓✓✓✓✓✓', true)).toEqual(['7']);
    expect(rows('✓✓✓✓✓✓', false, false)).toEqual(['✓']);
    expect(diagnose(rungs('✓✓✓✓✓✓'), { leak: true, scenarioFailed: true }).advice).toMatch(
      /key memory by session id/,
    );
  });

  it('a leak where memory is also lost names both', () => {
    expect(rows('✓✗✗✗✗✗', true)).toEqual(['7', '2']);
  });

  it('names every row that shares a signature when rungs were skipped', () => {
    expect(rows('✓✗––––')).toEqual(['2', '6a', '6b']);
    const d = diagnose(rungs('✓✗––––'), { leak: false, scenarioFailed: true });
    expect(d.signature).toBe('SW ✓ OW ✗ OR – RS – CR – RD –');
    expect(d.advice).toContain('; or: ');
  });

  it('a small topology still finds its row from the rungs it has', () => {
    expect(rows('✓––✓✓✗')).toEqual(['3']); // 1 × 1
    expect(rows('✓✗–✗✗✗')).toEqual(['2']); // 1 × 2
  });

  it('reports a signature that matches no row as it is', () => {
    const d = diagnose(rungs('✗✓✓✗✓✗'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([]);
    expect(d.advice).toBe(
      'no row of the failure table has this signature: kept on OW, OR, CR; lost on SW, RS, RD',
    );
    expect(d.reproduced).toBe(true);
  });

  it('says the probe could not reproduce a loss when every rung held but the scenario failed', () => {
    const d = diagnose(rungs('✓✓✓✓✓✓'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([]);
    expect(d.reproduced).toBe(false);
    expect(d.advice).toMatch(/^the short probe could not reproduce the loss/);
  });

  it('names an app error about the memory object a likely type mismatch (row 5)', () => {
    const d = diagnose(rungs('––––––'), {
      leak: false,
      scenarioFailed: true,
      appErrors: [
        'POST /chat answered 500 Internal Server Error: {"error":"chatHistory.add is not a function"}',
      ],
    });
    expect(d.rows.map((r) => r.id)).toEqual(['5']);
    expect(d.advice).toMatch(/likely a type mismatch/);
    const other = diagnose(rungs('––––––'), {
      leak: false,
      scenarioFailed: true,
      appErrors: ['POST /chat answered 502 Bad Gateway'],
    });
    expect(other.rows).toEqual([]);
    expect(other.advice).toMatch(/^the app failed during the probe/);
  });

  it('a lost update shows on rung CC alone: row 9', () => {
    expect(rows('✓✓✓✓✓✓✗')).toEqual(['9']);
    expect(diagnose(rungs('✓✓✓✓✓✓✗'), { leak: false, scenarioFailed: true }).advice).toBe(
      'append, or write in a transaction; never write the whole history back',
    );
    // A memory that one process holds loses the other worker's turn too: CC does not make it row 9.
    expect(rows('✓✗✗✗✗✗✗')).toEqual(['2']);
    expect(rows('✓✓✗✓✓✗✗')).toEqual(['3']);
    expect(diagnose(rungs('✓✓✓✓✓✓✗'), { leak: false, scenarioFailed: true }).signature).toBe(
      'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ RD ✓ CC ✗',
    );
  });

  it('a turn lost in flight is read off the scenario, as no rung shows it: row 10', () => {
    const d = diagnose(rungs('✓✓✓✓✓✓✓'), { leak: false, scenarioFailed: true, lostInFlight: true });
    expect(d.rows.map((r) => r.id)).toEqual(['10']);
    expect(d.reproduced).toBe(true);
    expect(d.advice).toBe('drain in-flight requests before exiting');
    // Where a rung explains the loss, the rung's row wins: the evidence is only its symptom.
    expect(
      diagnose(rungs('✓✗✗✗✗✗✗'), { leak: false, scenarioFailed: true, lostInFlight: true }).rows.map(
        (r) => r.id,
      ),
    ).toEqual(['2']);
    // A lost update the scenario saw, on a ladder whose CC rung could not run (one worker).
    expect(
      diagnose(rungs('✓––✓✓✓–'), { leak: false, scenarioFailed: true, lostUpdate: true }).rows.map(
        (r) => r.id,
      ),
    ).toEqual(['9']);
    // Evidence never turns a passing probe into a row.
    expect(rows('✓✓✓✓✓✓✓', false, false)).toEqual(['✓']);
  });
});
