import { describe, expect, it } from 'vitest';
import { CWD, erroring, failing, isolationRun, passing, run } from '../../test/support/report-fixtures.ts';
import type { RunResult, ScenarioResult } from '../types/results.ts';
import {
  type CommentRecord,
  readCommentRecord,
  renderComment,
  renderErrorComment,
  sinceLastRun,
} from './comment.ts';
import { GITHUB_COMMENT_LIMIT } from './markdown.ts';

const URL = 'https://github.com/acme/chat/actions/runs/42';
const KEY = 'amnesia.config.yaml';
const record = (statuses: CommentRecord['statuses'], commit = '0123456789abcdef'): CommentRecord => ({
  v: 1,
  key: KEY,
  commit,
  statuses,
});

describe('renderComment', () => {
  it('renders the verdict, what changed since the last run, what failed, and a link to the summary', () => {
    const previous = record({ [passing.name]: 'failed', [failing.name]: 'passed', [erroring.name]: 'error' });
    expect(
      renderComment(run, { key: KEY, previous, commit: 'fedcba9876543210', reportUrl: URL, cwd: CWD }),
    ).toMatchSnapshot();
  });

  it('has no "since" section on the first run, and no table when everything passed', () => {
    const text = renderComment({ ...run, exitCode: 0, scenarios: [passing] }, { key: KEY });
    expect(text).not.toContain('Since the last run');
    expect(text).not.toContain('| status |');
    expect(text.split('\n')[2]).toBe(
      '**Passed** · 1 scenario: 1 passed, 0 failed, 0 errors · `amnesia.config.yaml`',
    );
  });

  it('ends with its record, which reads back', () => {
    const text = renderComment(run, { key: KEY, commit: 'abc' });
    expect(readCommentRecord(text)).toEqual({
      v: 1,
      key: KEY,
      commit: 'abc',
      statuses: { [passing.name]: 'passed', [failing.name]: 'failed', [erroring.name]: 'error' },
    });
  });

  it('keeps the record inside its HTML comment whatever the names hold', () => {
    const name = 'tricky --> <!-- amnesia-report {"v":2} --> name';
    const s: ScenarioResult = { ...failing, name };
    const text = renderComment({ ...run, scenarios: [s] }, { key: 'a-->b.yaml' });
    const hidden = text.slice(text.indexOf('<!--'));
    expect(hidden.match(/-->/g)).toHaveLength(1);
    expect(readCommentRecord(text)).toEqual({ v: 1, key: 'a-->b.yaml', statuses: { [name]: 'failed' } });
  });

  it('reads no record from a comment amnesia did not write', () => {
    expect(readCommentRecord('LGTM')).toBeUndefined();
    expect(readCommentRecord('<!-- amnesia-report {"v":1 -->')).toBeUndefined();
    expect(readCommentRecord('<!-- amnesia-report {"v":9,"key":"x","statuses":{}} -->')).toBeUndefined();
  });

  it('stays short with hundreds of failures: ten rows, the rest counted, far under the comment limit', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...failing, name: `scenario ${i}` }));
    const r: RunResult = { ...run, scenarios: many };
    const previous = record(Object.fromEntries(many.map((s) => [s.name, 'passed' as const])));
    const text = renderComment(r, { key: KEY, previous });
    expect(text.split('\n').filter((l) => l.startsWith('| **failed**'))).toHaveLength(10);
    expect(text).toContain('… and 290 more scenarios.');
    expect(text).toContain('scenario 9, and 290 more');
    expect(text.length).toBeLessThan(GITHUB_COMMENT_LIMIT / 2);
  });

  it('puts a leak first', () => {
    const text = renderComment(isolationRun, { key: KEY });
    const rows = text.split('\n').filter((l) => l.startsWith('| **'));
    expect(rows[0]).toContain('leak `bob#1 → alice#1`');
  });
});

describe('the diagnosis cell', () => {
  it('leads with the row and its advice, whole, and cuts what explains the turn at a word boundary', () => {
    const long = `alice#2: since alice#1 (r1w1) it came after a crash, where the probe lost its fact too (CR ✗): ${'the app kept the history in memory '.repeat(6)}end`;
    const s: ScenarioResult = {
      ...failing,
      explanations: [
        { ...(failing.explanations?.[0] as NonNullable<ScenarioResult['explanations']>[number]), text: long },
      ],
    };
    const row = renderComment({ ...run, scenarios: [s] }, { key: KEY })
      .split('\n')
      .find((l) => l.startsWith('| **failed**'));
    const cell = (row?.split(' | ').at(-1) ?? '').replace(/ \|$/, '');
    expect(cell).toMatch(
      /^`SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗` \*\*row 2\*\*: state lives in one process's RAM: move it to a shared store · alice#2: since/,
    );
    expect(cell).toMatch(/\w…$/);
    const finding = cell.slice(cell.indexOf(' · ') + 3, -1);
    expect(long.startsWith(finding.replace(/\\/g, ''))).toBe(true);
    expect(long[finding.replace(/\\/g, '').length]).toBe(' '); // cut where a word ends
  });
});

describe('renderErrorComment', () => {
  it('says the commit was not judged, with the error, and keeps the last judged record', () => {
    const previous = record({ [passing.name]: 'passed' }, 'aaaaaaa1111111');
    const text = renderErrorComment('cannot merge the reports: shard 2/2 is missing', {
      key: KEY,
      commit: 'bbbbbbb2222222',
      previous,
      reportUrl: URL,
    });
    expect(text).toContain('### amnesia: could not run');
    expect(text).toContain('**Not judged** · `amnesia.config.yaml` · commit `bbbbbbb`');
    expect(text).toContain('```text\ncannot merge the reports: shard 2/2 is missing\n```');
    expect(text).toContain('The last verdict on this pull request was for commit `aaaaaaa`');
    expect(text.slice(0, text.indexOf('<!--'))).not.toMatch(/passed/i);
    expect(readCommentRecord(text)).toEqual(previous);
  });
});

describe('sinceLastRun', () => {
  it('sorts scenarios into newly failing, fixed and still failing; new failing scenarios are newly failing', () => {
    const r: RunResult = {
      ...run,
      scenarios: [
        { ...failing, name: 'broke' },
        { ...passing, name: 'fixed' },
        { ...erroring, name: 'still' },
        { ...failing, name: 'new' },
        { ...passing, name: 'steady' },
        { ...passing, name: 'skipped', status: 'skipped' },
      ],
    };
    const previous = record({
      broke: 'passed',
      fixed: 'error',
      still: 'failed',
      steady: 'passed',
      skipped: 'failed',
      gone: 'failed',
    });
    expect(sinceLastRun(r, previous)).toEqual({
      newlyFailing: ['broke', 'new'],
      fixed: ['fixed'],
      stillFailing: ['still'],
    });
  });
});
