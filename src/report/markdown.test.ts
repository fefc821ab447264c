import { describe, expect, it } from 'vitest';
import { CWD, erroring, failing, isolationRun, passing, run } from '../../test/support/report-fixtures.ts';
import type { RunResult, ScenarioResult } from '../types/results.ts';
import { GITHUB_COMMENT_LIMIT, renderMarkdown } from './markdown.ts';

const many = (n: number, s: ScenarioResult, extra: Partial<ScenarioResult> = {}): ScenarioResult[] =>
  Array.from({ length: n }, (_, i) => ({
    ...s,
    name: `${s.name} ${i + 1}`,
    slug: `${s.slug}-${i + 1}`,
    ...extra,
  }));

describe('renderMarkdown', () => {
  it('renders totals, a table and a details block per scenario that did not pass', () => {
    expect(renderMarkdown(run, { cwd: CWD })).toMatchSnapshot();
  });

  it('renders leaks and vacuous recalls', () => {
    expect(renderMarkdown(isolationRun, { cwd: CWD, title: 'amnesia: isolation' })).toMatchSnapshot();
  });

  it('has a status line without emoji', () => {
    const line = renderMarkdown(run).split('\n')[2] ?? '';
    expect(line).toBe(
      '**Error** · 3 scenarios: 1 passed, 1 failed, 1 error · 12.3 s · seed 42 · run `20250101-c0ffee`',
    );
    expect(line).not.toMatch(/\p{Extended_Pictographic}/u);
  });

  it('draws the failing scenario as a Mermaid sequence diagram', () => {
    const md = renderMarkdown(run);
    const block = /```mermaid\n([\s\S]*?)\n```/.exec(md)?.[1];
    expect(block?.split('\n')[0]).toBe('sequenceDiagram');
    expect(block).toContain('Note over r1w1,r1w2: crash r1 (SIGKILL, respawn on the same disk)');
  });

  it('never pings anyone and never breaks the table', () => {
    const s = { ...failing, name: 'ask @octocat | <script>alert(1)</script>' };
    const md = renderMarkdown({ ...run, scenarios: [s] });
    const row = md.split('\n').find((l) => l.startsWith('| **failed**')) ?? '';
    expect(row).toContain('ask @&#8203;octocat \\| \\<script\\>alert(1)\\</script\\>');
    expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
    expect(md).toContain(
      '<summary><strong>ask @&#8203;octocat | &lt;script&gt;alert(1)&lt;/script&gt;</strong>',
    );
  });

  it('stays under the GitHub comment limit, with a note saying what it left out', () => {
    const huge = 'x'.repeat(3000);
    const r: RunResult = {
      ...run,
      scenarios: [
        ...many(150, failing),
        ...many(50, erroring, { error: { code: 'AMNESIA_APP_EXITED', message: huge } }),
      ],
    };
    const md = renderMarkdown(r, { maxScenarios: 1000 });
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/_Truncated: the details of \d+ scenarios left out/);
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    expect((md.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  it('cuts the table when even the table is too long', () => {
    const r: RunResult = { ...run, scenarios: many(2000, passing) };
    const md = renderMarkdown(r, { maxScenarios: 5000 });
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/_Truncated: \d+ scenarios left out of the table/);
  });

  it('honours a smaller limit', () => {
    const md = renderMarkdown(run, { maxChars: 2000 });
    expect(md.length).toBeLessThanOrEqual(2000);
    expect(md).toContain('| **failed** | two sessions stay apart |');
  });

  it('lists at most maxScenarios, those that did not pass first', () => {
    const r: RunResult = { ...run, scenarios: [...many(10, passing), failing] };
    const md = renderMarkdown(r, { maxScenarios: 3 });
    const rows = md.split('\n').filter((l) => /^\| (\*\*)?(passed|failed|error)/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('two sessions stay apart');
    expect(md).toContain('_Truncated: 8 scenarios left out of the table');
  });
});
