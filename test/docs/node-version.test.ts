import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';

const read = (f: string) => readFileSync(path.join(REPO, f), 'utf8');

/** README.md and every page of docs/, by their path in the repository. */
const DOCS = [
  'README.md',
  ...readdirSync(path.join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

describe('the Node.js version amnesia needs: one truth', () => {
  it('README, the docs, engines and bin/amnesia.js agree: the package needs its engines minimum, the sources their own', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [, pkgMin] = /^>=(\d+\.\d+)$/.exec(engines) ?? [];
    const bin = read('bin/amnesia.js');
    const [, srcMajor, srcMinor, pkgMajor, pkgMinor] =
      /fromSources \? \[(\d+), (\d+)\] : \[(\d+), (\d+)\]/.exec(bin) ?? [];
    expect(`${pkgMajor}.${pkgMinor}`).toBe(pkgMin);
    const sourcesMin = `${srcMajor}.${srcMinor}`;
    // Every sentence of README and the docs that names a 22.x version names one of the two, for its case.
    const text = (f: string) => read(f).replace(/\n>? ?/g, ' ');
    const sentences = DOCS.flatMap((f) => text(f).split(/(?<=[.:;])\s+(?=[A-Z`])/)).filter((s) =>
      /\b22\.\d+\b/.test(s),
    );
    expect(sentences.length).toBeGreaterThan(1);
    for (const s of sentences) {
      const versions = [...s.matchAll(/\b22\.(\d+)\b/g)].map((m) => m[0]);
      for (const v of versions) {
        if (v === pkgMin) continue;
        expect(v, s).toBe(sourcesMin);
        expect(s, `${v} is the sources' minimum: say so`).toMatch(/sources/);
      }
    }
    expect(text('README.md')).toContain(`Node.js ${pkgMin} or newer`);
  });
});
