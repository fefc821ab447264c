import { describe, expect, it } from 'vitest';
import { isolationRun, run } from '../../test/support/report-fixtures.ts';
import { InvalidInputError } from '../errors.ts';
import { renderJson } from './json.ts';
import { parseJsonReport } from './parse-json.ts';

describe('parseJsonReport', () => {
  it('reads back what renderJson wrote, and renders the same text again', () => {
    for (const r of [run, isolationRun, { ...run, shard: { index: 2, total: 3 } }]) {
      const text = renderJson(r);
      const parsed = parseJsonReport(text, 'amnesia.json');
      expect(parsed.scenarios.map((s) => s.status)).toEqual(r.scenarios.map((s) => s.status));
      expect(renderJson(parsed)).toBe(text);
    }
  });

  it('says which file is not JSON', () => {
    const e = catchError(() => parseJsonReport('{"runId": ', 'shard-2/amnesia.json'));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.problems[0]).toMatchObject({
      file: 'shard-2/amnesia.json',
      message: expect.stringMatching(/^not an amnesia JSON report: not JSON/),
    });
  });

  it('names the field that does not fit', () => {
    const broken = JSON.parse(renderJson(run));
    broken.scenarios[1].status = 'flaky';
    const e = catchError(() => parseJsonReport(JSON.stringify(broken), 'amnesia.json'));
    expect(e.problems[0]?.field).toBe('scenarios[1].status');
    expect(e.message).toContain('amnesia.json:1:1 scenarios[1].status: not an amnesia JSON report');
  });

  it('refuses another tool’s JSON (a vitest report)', () => {
    const e = catchError(() => parseJsonReport('{"numPassedTests": 3, "testResults": []}', 'r.json'));
    expect(e.problems[0]?.field).toBe('runId');
  });
});

function catchError(f: () => unknown): InvalidInputError {
  try {
    f();
  } catch (e) {
    return e as InvalidInputError;
  }
  throw new Error('expected an error');
}
