import { describe, expect, it } from 'vitest';
import { CWD, isolationRun, passing, run } from '../../test/support/report-fixtures.ts';
import { annotationsFor } from './annotations.ts';

describe('annotationsFor', () => {
  it('puts each failed expectation at the line it was written, relative to the repository', () => {
    const found = annotationsFor(run, { root: CWD });
    expect(found.map((a) => `${a.file}:${a.line}:${a.column} ${a.title}`)).toEqual([
      'scenarios/two-sessions.yaml:13:22 amnesia: recall "pineapple" (two sessions stay apart)',
      'scenarios/two-sessions.yaml:16:22 amnesia: recall "tangerine" (two sessions stay apart)',
      'scenarios/rolling-redeploy.yaml:1:1 amnesia: could not run (survives a rolling redeploy)',
    ]);
    expect(found[0]?.message).toBe(
      [
        'alice#2 → r1w1 pid 4410 (after crash r1): forgot "pineapple": said in alice#1 on r1w1, missing from what the app sent the LLM',
        'said in alice#1 (r1w1 pid 4310)',
      ].join('\n'),
    );
  });

  it('puts a leak first, at the turn that received the other session’s text, then vacuous recalls', () => {
    const found = annotationsFor(isolationRun, { root: CWD });
    expect(found.map((a) => `${a.file}:${a.line} ${a.title}`)).toEqual([
      'scenarios/leak.yaml:5 amnesia: leak between sessions (secrets stay with their owner)',
      'scenarios/leak.yaml:7 amnesia: forget /token is/i (secrets stay with their owner)',
      'scenarios/two-sessions.yaml:13 amnesia: recall "pineapple" (two sessions stay apart)',
      'scenarios/two-sessions.yaml:16 amnesia: recall "tangerine" (two sessions stay apart)',
      'scenarios/same-worker.yaml:9 amnesia: vacuous recall (remembers on the same worker)',
    ]);
    expect(found[0]?.message).toContain("bob#1's message");
    expect(found[0]?.message).toContain('reached the prompt of alice#1 (on r1w2)');
    // control characters from the app never reach an annotation
    expect(found.every((a) => !a.message.includes('\u0007'))).toBe(true);
  });

  it('keeps absolute paths for files outside the root, and has nothing for a passing run', () => {
    expect(annotationsFor(run, { root: '/elsewhere' })[0]?.file).toBe(`${CWD}/scenarios/two-sessions.yaml`);
    expect(annotationsFor({ ...run, scenarios: [passing], exitCode: 0 }, { root: CWD })).toEqual([]);
  });
});
