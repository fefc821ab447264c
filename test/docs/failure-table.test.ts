import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { FAILURE_TABLE, RUNGS } from '../../src/verdict/failure-table.ts';
import { REPO } from '../helpers/cli.ts';

/** The code's table as Markdown cells: `row`, `cause`, a cell per rung (empty: any), `what to change`. */
function codeTable(): string[][] {
  const head = ['row', 'cause', ...RUNGS, 'what to change'];
  const rows = FAILURE_TABLE.map((row) => {
    const rungs = RUNGS.map((r, i) => {
      if (row.evidence) return i === 0 ? row.evidence : '';
      const kept = row.kept?.[r];
      const mark = kept === undefined ? '' : kept ? '✓' : '✗';
      return row.leak && r === 'RD' ? `${mark} + leak` : mark;
    });
    return [row.id, row.cause, ...rungs, row.advice];
  });
  return [head, ...rows];
}

/** The cells of the first Markdown table after `heading`. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `the page has the heading ${heading}`).toBeGreaterThan(-1);
  const first = lines.findIndex((l, i) => i > start && l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first; i < lines.length && lines[i]?.startsWith('|'); i++) {
    const line = lines[i] as string;
    if (/^\|[\s|:-]+$/.test(line)) continue;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );
  }
  return rows;
}

it("the docs' failure table is the code's, row by row (the printed diagnosis uses the code's)", async () => {
  const page = await readFile(path.join(REPO, 'docs/guide/failure-table.md'), 'utf8');
  const printed = codeTable()
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');
  expect(
    tableAfter(page, '# The failure table'),
    `docs/guide/failure-table.md's table should read:\n${printed}`,
  ).toEqual(codeTable());
});
