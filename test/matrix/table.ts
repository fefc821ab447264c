// The Markdown tables of expected.md and the cells the matrix tests compare with them: one app's
// row (each scenario's outcome, the probe's signature and row) and what explains a scenario's
// failed turns. Shared by matrix.test.ts (the LlamaIndex apps) and frameworks.test.ts.
import path from 'node:path';
import { expect } from 'vitest';
import type { RunResult, ScenarioResult } from '../../src/index.ts';

export type Table = Map<string, Map<string, string>>;

/** The Markdown table under `## heading` (the first table when there is no heading). */
export function section(md: string, heading?: string): string {
  if (!heading) return md.split('\n## ')[0] ?? '';
  const start = md.indexOf(`\n## ${heading}\n`);
  expect(start, `expected.md has a section "## ${heading}"`).toBeGreaterThan(-1);
  return md.slice(start + 1).split('\n## ')[0] ?? '';
}

export function parseTable(md: string): { columns: string[]; table: Table } {
  const rows = md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+$/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const [head, ...body] = rows;
  const columns = (head ?? []).slice(1);
  return {
    columns,
    table: new Map(
      body.map((r) => [r[0] as string, new Map(columns.map((c, i) => [c, r[i + 1] as string]))]),
    ),
  };
}

export function renderTable(columns: string[], table: Table): string {
  const lines = [`| app | ${columns.join(' | ')} |`, `|${'---|'.repeat(columns.length + 1)}`];
  for (const [app, cells] of table)
    lines.push(`| ${app} | ${columns.map((c) => cells.get(c) ?? '?').join(' | ')} |`);
  return lines.join('\n');
}

/** One app's row: each scenario's outcome, the probe signature and the diagnosis row. */
export function rowOf(result: RunResult, columns: string[]): Map<string, string> {
  const cells = new Map<string, string>();
  for (const s of result.scenarios) {
    cells.set(
      path.basename(s.file, '.yaml'),
      s.status === 'passed' ? '✓' : s.status === 'failed' ? '✗' : 'E',
    );
  }
  const diagnosis = result.scenarios.find((s) => s.diagnosis)?.diagnosis ?? result.probe?.diagnosis;
  cells.set('signature', diagnosis?.signature ?? '?');
  cells.set(
    'row',
    !diagnosis
      ? '?'
      : diagnosis.reproduced
        ? diagnosis.rows.map((r) => r.id).join(' + ') || 'none'
        : 'not reproduced',
  );
  return new Map(columns.map((c) => [c, cells.get(c) ?? 'missing']));
}

/** The rows of the failure table attached to a scenario's failed turns (`?` for a turn nothing explains). */
export function explainedBy(s: ScenarioResult | undefined): string {
  if (!s) return 'missing';
  const rows = (s.explanations ?? []).flatMap((e) => (e.rows.length > 0 ? e.rows : ['?']));
  return [...new Set(rows)].join(' + ') || 'none';
}
