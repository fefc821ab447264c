// `npm run docs:reference`: writes the key reference pages of docs/reference/ from the schemas.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REFERENCE_PAGES, renderReference } from './reference.ts';

const repo = path.join(import.meta.dirname, '..');
for (const page of REFERENCE_PAGES) {
  await writeFile(path.join(repo, page.file), renderReference(page));
  console.log(`wrote ${page.file}`);
}
