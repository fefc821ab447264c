import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REFERENCE_PAGES, renderReference } from '../../scripts/reference.ts';
import { REPO } from '../helpers/cli.ts';

// The key reference is generated from the schemas: a schema changed without `npm run docs:reference`
// (or a page edited by hand) fails here, so the reference cannot drift from what `validate` accepts.
it.each(REFERENCE_PAGES)('$file is what the schemas generate', async (page) => {
  const committed = await readFile(path.join(REPO, page.file), 'utf8');
  expect(committed, `${page.file} is out of date: run npm run docs:reference`).toBe(renderReference(page));
});

it('the reference has a row, with a description, for every key of both schemas', () => {
  for (const page of REFERENCE_PAGES) {
    const rows = renderReference(page)
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row, `${page.file}: a key without a description`).not.toMatch(/\| {2}\|$/);
  }
  expect(renderReference(REFERENCE_PAGES[0] as (typeof REFERENCE_PAGES)[number])).toContain(
    '| `app.boot_timeout` | duration | 30s |',
  );
});
