import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DisruptionStepRecord, RunResult, TurnRecord } from '../../src/index.ts';
import { probe, run } from '../../src/index.ts';
import { type BasicMode, basicProject, leftovers } from '../helpers/basic-app.ts';
import { LADDER, RUNGS } from './ladder.ts';

const turns = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');
/** The ladder's disruptions, without its pauses. */
const disruptions = (r: RunResult) =>
  (r.scenarios[0]?.steps ?? []).filter(
    (s): s is DisruptionStepRecord => s.kind === 'disruption' && s.type !== 'wait',
  );

/** ✓/✗ per rung, read off the recall of each asking turn. */
function signature(r: RunResult): string {
  const asks = turns(r).filter((t) => t.expectations.some((e) => e.kind === 'recall'));
  return asks.map((t, i) => `${RUNGS[i]} ${t.expectations.every((e) => e.passed) ? '✓' : '✗'}`).join(' ');
}

async function ladder(mode: BasicMode): Promise<RunResult> {
  await using project = await basicProject(mode, { 'scenarios/ladder.yaml': LADDER });
  const result = await run({ cwd: project.dir, artifactsDir: path.join(project.dir, 'artifacts') });
  expect(leftovers(result.runId)).toEqual([]);
  return result;
}

// Each mode is one production design from the failure table (docs/guide/failure-table.md); the engine must record exactly
// where the fact survived. Modes run two at a time (two cores).
const MODES = [
  ['request', 'SW ✗ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗', ['1']],
  ['global', 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗', ['2']],
  // The rung CC's two workers share the replica's disk, which each rewrites whole: a lost update too.
  ['disk', 'SW ✓ OW ✓ OR ✗ RS ✓ CR ✓ CI ✓ RD ✗ CC ✗', ['3', '9']],
  ['shutdown', 'SW ✓ OW ✗ OR ✗ RS ✓ CR ✗ CI ✗ RD ✗ CC ✗', ['6a']],
  ['cached', 'SW ✓ OW ✗ OR ✗ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗', ['6b']],
  ['unkeyed', 'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓', ['7']],
  ['overwrite', 'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✗', ['9']],
  // Row 2's signature, told apart by the evidence: other processes replace the client's cookie.
  ['cookie', 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ CC ✗', ['11']],
  // The save lands after the answer: lost only to a crash at once after it.
  ['unawaited', 'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✗ RD ✓ CC ✓', ['12']],
  ['postgres', 'SW ✓ OW ✓ OR ✓ RS ✓ CR ✓ CI ✓ RD ✓ CC ✓', ['✓']],
] as const;

// Each mode is one production design from the failure table (docs/guide/failure-table.md); the engine must record exactly
// where the fact survived, and a failed run must end with that row's diagnosis.
describe.concurrent('the engine against each memory mode of the test app (2 × 2)', () => {
  it.each(MODES)('run, %s: %s', { timeout: 180_000 }, async (mode, expected, row) => {
    const result = await ladder(mode);
    const s = result.scenarios[0];
    expect(s?.error).toBeUndefined();
    expect(signature(result)).toBe(expected);
    if (mode === 'unkeyed') expect(s?.leaks.length).toBeGreaterThan(0);
    else expect(s?.leaks).toEqual([]);
    if (mode === 'postgres') {
      expect(result.exitCode).toBe(0);
      expect(s?.diagnosis).toBeUndefined();
    } else {
      expect(result.exitCode).toBe(1);
      // The probe ladder, on a fresh topology, reads the same signature and names the row.
      expect(s?.diagnosis?.signature).toBe(expected);
      expect(s?.diagnosis?.rows.map((r) => r.id)).toEqual(row);
    }
    // The one turn lost, the fact said just before a crash, is explained at the turn: row 12.
    if (mode === 'unawaited')
      expect(s?.explanations?.map((e) => [e.label, e.rows])).toEqual([['ci#2', ['12']]]);
  });

  it.each(MODES)('probe, %s: %s', { timeout: 180_000 }, async (mode, expected, row) => {
    await using project = await basicProject(mode, {});
    const result = await probe({ cwd: project.dir });
    expect(result.diagnosis.signature).toBe(expected);
    expect(result.diagnosis.rows.map((r) => r.id)).toEqual(row);
    expect(result.exitCode).toBe(mode === 'postgres' ? 0 : 1);
    expect(leftovers(result.runId)).toEqual([]);
  });

  it('a recall whose text sits in the system prompt is vacuous: a scenario error (exit 2)', {
    timeout: 120_000,
  }, async () => {
    const vacuous = `name: vacuous
steps:
  - user: I would like a helpful assistant for my garden.
  - user: What would I like?
    expect: { recall: [helpful assistant] }
`;
    await using project = await basicProject('postgres', { 'scenarios/v.yaml': vacuous });
    const result = await run({ cwd: project.dir });
    const s = result.scenarios[0];
    expect(result.exitCode).toBe(2);
    expect(s?.status).toBe('error');
    expect(s?.vacuous).toEqual([
      expect.objectContaining({
        expected: 'helpful assistant',
        foundIn: 'the system message',
        question: 'What would I like?',
      }),
    ]);
    expect(s?.error?.message).toMatch(
      /^1 recall would pass without any memory: `helpful assistant` \(.*v\.yaml:5\) is already in the system message/,
    );
    expect(s?.steps).toEqual([]);
  });

  it('records which worker and process served each turn, and what the LLM was sent', {
    timeout: 120_000,
  }, async () => {
    const result = await ladder('disk');
    const t = turns(result);
    expect(t.map((x) => x.worker)).toEqual([
      ...['r1w1', 'r1w1', 'r1w1', 'r1w2', 'r1w1', 'r2w1'],
      ...Array(10).fill('r1w1'), // rs, cr, ci, rd, cc's fact and its first turn at once
      'r1w2',
      'r1w1',
    ]);
    // Distinct workers are distinct processes; r1w1 keeps its pid until it is disrupted.
    const r1w1 = t.filter((x) => x.worker === 'r1w1').map((x) => x.pid);
    expect(new Set([r1w1[0], t[3]?.pid, t[5]?.pid]).size).toBe(3);
    expect(new Set(r1w1.slice(0, 5)).size).toBe(1);
    // The restart, the two crashes and the redeploy each replaced r1w1's process.
    expect(new Set([r1w1[4], r1w1[5], r1w1[7], r1w1[9], r1w1[11]]).size).toBe(5);
    // Every turn caused exactly one chat request, attributed to it; the OW turn's request carries the fact.
    for (const x of t) expect(x.llm.map((r) => r.kind)).toEqual(['chat']);
    const ow = t[3] as TurnRecord;
    expect(ow.llm[0]?.worker).toBe('r1w2');
    expect(ow.llm[0]?.messages.map((m) => m.content)).toEqual([
      'You are a helpful assistant.',
      'My codename is birch.',
      expect.stringMatching(/^ack ow#1/),
      'What is my codename?',
    ]);
    const or = t[5] as TurnRecord;
    expect(or.llm[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    // The crash respawned on the same disk; the redeploy got a fresh one.
    const [restart, crash, , redeploy] = disruptions(result);
    expect(restart?.changes).toEqual([
      expect.objectContaining({ id: 'r1w1', before: expect.objectContaining({ forced: false }) }),
    ]);
    expect(crash?.changes[0]?.before?.exit.signal).toBe('SIGKILL');
    expect(t[12]?.generation).toBe(1);
    expect(t[13]?.generation).toBe(2);
    expect(redeploy?.changes.map((c) => c.id).sort()).toEqual(['r1w1', 'r1w2']);
    expect(t[13]?.after).toEqual([expect.stringMatching(/^redeploy r1/)]);
    expect(t[13]?.reason).toBe('pinned to r1w1');
  });
});

describe('artifacts', () => {
  it('a failed scenario leaves worker logs, the LLM request log, the evidence and a replay command', {
    timeout: 120_000,
  }, async () => {
    await using project = await basicProject('global', { 'scenarios/ladder.yaml': LADDER });
    const result = await run({ cwd: project.dir, seed: 7 });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const dir = s?.artifactsDir as string;
    expect(dir).toBe(path.join(project.dir, '.amnesia', 'runs', result.runId, 'ladder'));
    const requests = (await readFile(path.join(dir, 'llm-requests.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // 8 control questions (asked before anything is said), then the 18 turns.
    expect(requests.map((r) => (r.turnId as string).includes('/c'))).toEqual([
      ...Array(8).fill(true),
      ...Array(18).fill(false),
    ]);
    expect(JSON.parse(await readFile(path.join(dir, 'evidence.json'), 'utf8')).name).toBe('ladder');
    expect(await readFile(path.join(dir, 'replay.sh'), 'utf8')).toContain(
      'npx amnesia run scenarios/ladder.yaml --seed 7',
    );
    const log = await readFile(path.join(dir, 'logs', 'r1w1.1.log'), 'utf8');
    expect(log).toMatch(/listening on \d+/);
    expect(log).toMatch(/SIGTERM/);
  });
});
