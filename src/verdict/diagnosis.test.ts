import { describe, expect, it } from 'vitest';
import type { Rung, RungResult } from '../types/results.ts';
import { diagnose } from './diagnosis.ts';
import { RUNGS } from './failure-table.ts';

/** `'✓✗✗✓✗✗✗'` (or `–` for a skipped rung; a 7th character for CC, an 8th for LT) → rung results. */
const rungs = (s: string): RungResult[] =>
  [...s].map((c, i) => ({ rung: RUNGS[i] as Rung, kept: c === '–' ? null : c === '✓' }));

const rows = (s: string, leak = false, scenarioFailed = true) =>
  diagnose(rungs(s), { leak, scenarioFailed }).rows.map((r) => r.id);

describe('diagnose: signature → row of the failure table', () => {
  it.each([
    ['✗✗✗✗✗✗✗', ['1']],
    ['✓✗✗✗✗✗✗', ['2']],
    ['✓✓✗✓✓✓✗', ['3']],
    ['✓✗✗✓✗✗✗', ['6a']],
    ['✓✗✗✓✓✓✓', ['6b']],
  ])('%s is row %s', (sig, expected) => {
    expect(rows(sig)).toEqual(expected);
  });

  it('a leak with every rung kept is row 7; without a leak it is the fixed pattern', () => {
    expect(rows('✓✓✓✓✓✓✓', true)).toEqual(['7']);
    expect(rows('✓✓✓✓✓✓✓', false, false)).toEqual(['✓']);
    expect(diagnose(rungs('✓✓✓✓✓✓✓'), { leak: true, scenarioFailed: true }).advice).toMatch(
      /key memory by session id/,
    );
  });

  it('a leak where memory is also lost names both', () => {
    expect(rows('✓✗✗✗✗✗✗', true)).toEqual(['7', '2']);
  });

  it('names every row that shares a signature when rungs were skipped', () => {
    expect(rows('✓✗–––––')).toEqual(['2', '6a', '6b']);
    const d = diagnose(rungs('✓✗–––––'), { leak: false, scenarioFailed: true });
    expect(d.signature).toBe('SW ✓ OW ✗ OR – RS – CR – CI – RD –');
    expect(d.advice).toContain('; or: ');
  });

  it('a small topology still finds its row from the rungs it has', () => {
    expect(rows('✓––✓✓✓✗')).toEqual(['3']); // 1 × 1
    expect(rows('✓✗–✗✗✗✗')).toEqual(['2']); // 1 × 2
  });

  it('reports a signature that matches no row as it is', () => {
    const d = diagnose(rungs('✗✓✓✗✓✓✗'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([]);
    expect(d.advice).toBe(
      'no row of the failure table has this signature: kept on OW, OR, CR, CI; lost on SW, RS, RD',
    );
    expect(d.reproduced).toBe(true);
  });

  it('marks a loss the probe could not reproduce when every rung held but the scenario failed', () => {
    const d = diagnose(rungs('✓✓✓✓✓✓✓'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([]);
    expect(d.reproduced).toBe(false);
    // The report says it once, as a finding; there is nothing to change on the probe's account.
    expect(d.advice).toBe('');
  });

  it('long-term memory never persisted: every short rung kept, the old fact lost on another worker (LT)', () => {
    const d = diagnose(rungs('✓✓✓✓✓✓✓✓✗'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([
      { id: '2', cause: 'long-term memory in an index or storage context that is never persisted' },
    ]);
    expect(d.signature).toBe('SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓ LT ✗');
    // Without the LT rung the same app looks right, and the long-term row never matches.
    expect(rows('✓✓✓✓✓✓✓', false, false)).toEqual(['✓']);
    expect(rows('✓✓✓✓✓✓✓✓–', false, false)).toEqual(['✓']);
  });

  it('the LT rung keeps the other rows apart: a global map loses it, the local disk keeps it', () => {
    expect(rows('✓✗✗✗✗✗✗✗✗')).toEqual(['2']);
    expect(rows('✓✓✗✓✓✓✗✗✓')).toEqual(['3', '9']);
    expect(rows('✗✗✗✗✗✗✗✗–')).toEqual(['1']);
    expect(diagnose(rungs('✓✗✗✗✗✗✗✗✗'), { leak: false, scenarioFailed: true }).rows[0]?.cause).toBe(
      'per-session memory in a process-global map',
    );
  });

  it("names row 5 from the app's own output when it answers a generic 500", () => {
    const d = diagnose(rungs('–––––––'), {
      leak: false,
      scenarioFailed: true,
      appErrors: [
        'POST /chat answered 500 Internal Server Error: {"error":"internal error"}',
        '[stdout] listening on 4123',
        '[stderr] TypeError: chatHistory.add is not a function',
        '[stderr]     at SimpleChatEngine.chat (file:///app/node_modules/@llamaindex/core/chat-engine/dist/index.js:930:29)',
      ],
    });
    expect(d.rows.map((r) => r.id)).toEqual(['5']);
    expect(d.advice).toMatch(/likely a type mismatch .*: TypeError: chatHistory\.add is not a function$/);
  });

  it('names an app error about the memory object a likely type mismatch (row 5)', () => {
    const d = diagnose(rungs('–––––––'), {
      leak: false,
      scenarioFailed: true,
      appErrors: [
        'POST /chat answered 500 Internal Server Error: {"error":"chatHistory.add is not a function"}',
      ],
    });
    expect(d.rows.map((r) => r.id)).toEqual(['5']);
    expect(d.advice).toMatch(/likely a type mismatch/);
    const other = diagnose(rungs('–––––––'), {
      leak: false,
      scenarioFailed: true,
      appErrors: ['POST /chat answered 502 Bad Gateway'],
    });
    expect(other.rows).toEqual([]);
    expect(other.advice).toMatch(/^the app failed during the probe/);
  });

  it("row 2's signature with a worker seen replacing the client's cookie is row 11 alone", () => {
    const d = diagnose(rungs('✓✗✗✗✗✗✗✗'), { leak: false, scenarioFailed: true, cookieReplaced: true });
    expect(d.rows.map((r) => r.id)).toEqual(['11']);
    expect(d.advice).toMatch(/^one signing key for every process, from the environment/);
    expect(rows('✓✗✗✗✗✗✗✗')).toEqual(['2']);
  });

  it('a lost update shows on rung CC alone: row 9', () => {
    expect(rows('✓✓✓✓✓✓✓✗')).toEqual(['9']);
    expect(diagnose(rungs('✓✓✓✓✓✓✓✗'), { leak: false, scenarioFailed: true }).advice).toBe(
      'append, or write in a transaction; never write the whole history back; where the framework writes it (a checkpointer, a chat store, a file store), one request per session at a time (a lock or queue per session)',
    );
    // A memory that one process holds loses the other worker's turn too: CC does not make it row 9.
    expect(rows('✓✗✗✗✗✗✗✗')).toEqual(['2']);
    // The rung's two workers share the replica's disk: the disk cannot explain CC ✗, a lost update can.
    expect(rows('✓✓✗✓✓✓✗✗')).toEqual(['3', '9']);
    expect(diagnose(rungs('✓✓✗✓✓✓✗✗'), { leak: false, scenarioFailed: true }).advice).toBe(
      "state lives on one host's disk: replicas and redeploys lose it; use a shared store; and, for turns at once (CC: two workers that share a disk): append, or write in a transaction; never write the whole history back; where the framework writes it (a checkpointer, a chat store, a file store), one request per session at a time (a lock or queue per session)",
    );
    expect(rows('✓✓✗✓✓✓✗✓')).toEqual(['3']);
    expect(diagnose(rungs('✓✓✓✓✓✓✓✗'), { leak: false, scenarioFailed: true }).signature).toBe(
      'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗',
    );
  });

  it('rows 9 and 10 never come from a signature alone: without CC a lost update is not reproduced, and no rung shows a turn lost in flight', () => {
    // Row 9 needs the CC rung judged; the failed turns' own evidence names rows 9 and 10 (explain.ts).
    const d = diagnose(rungs('✓––✓✓✓✓–'), { leak: false, scenarioFailed: true });
    expect(d.rows).toEqual([]);
    expect(d.reproduced).toBe(false);
    expect(rows('✓✓✓✓✓✓✓✓')).toEqual([]);
    expect(rows('✓✓✓✓✓✓✓✓', false, false)).toEqual(['✓']);
  });
});

describe('diagnose: answered before saved (row 12)', () => {
  it('lost only when crashed at once after the answer (CI ✗ where CR ✓) is row 12 alone', () => {
    const d = diagnose(rungs('✓✓✓✓✓✗✓✓'), { leak: false, scenarioFailed: true });
    expect(d.rows.map((r) => r.id)).toEqual(['12']);
    expect(d.signature).toBe('SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✗ RD ✓ CC ✓');
    expect(d.advice).toMatch(/^await the write before answering: /);
  });

  it("comes on top of the store's row, read from the other rungs (the AI SDK docs' file store saved in onEnd)", () => {
    // Kept on SW, OW, RS, CR; lost on OR, RD (one host's disk), CC (the whole chat written back), CI.
    expect(rows('✓✓✗✓✓✗✗✗')).toEqual(['3', '9', '12']);
    const d = diagnose(rungs('✓✓✗✓✓✗✗✗'), { leak: false, scenarioFailed: true });
    expect(d.advice).toMatch(
      /; and, answered before saved \(CI ✗ where CR ✓\): await the write before answering/,
    );
    expect(rows('✓✗✗✓✓✗✓✗')).toEqual(['6b', '12']);
  });

  it('a crash that loses the fact after a pause too is the store, not the save (no row 12)', () => {
    expect(rows('✓✗✗✓✗✗✗✗')).toEqual(['6a']);
    expect(rows('✓✓✓✓✗✗✓✓')).toEqual([]);
  });
});

describe('diagnose: the rung SL (an app configured serverless)', () => {
  const withSl = (six: string, sl: boolean) => [...rungs(six), { rung: 'SL' as const, kept: sl }];

  it('a fact lost on SL adds row 8 to the row the six rungs name', () => {
    const d = diagnose(withSl('✓✗✗✗✗✗✗', false), { leak: false, scenarioFailed: true });
    expect(d.signature).toBe('SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ SL ✗');
    expect(d.rows.map((r) => r.id)).toEqual(['2', '8']);
    expect(d.advice).toBe(
      "state lives in one process's RAM: move it to a shared store; and, serverless: state must live outside the process and its /tmp",
    );
  });

  it('lost only on SL is row 8 alone', () => {
    const d = diagnose(withSl('✓✓✓✓✓✓✓', false), { leak: false, scenarioFailed: true });
    expect(d.rows.map((r) => r.id)).toEqual(['8']);
    expect(d.advice).toBe('state must live outside the process and its /tmp');
  });

  it('kept on SL and everywhere else is the fixed pattern', () => {
    const d = diagnose(withSl('✓✓✓✓✓✓✓', true), { leak: false, scenarioFailed: false });
    expect(d.rows.map((r) => r.id)).toEqual(['✓']);
  });
});
