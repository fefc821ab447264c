import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';

// README is the front door (what amnesia is, the two commands, a first scenario, links into docs/);
// the docs site checks its own links (site.test.ts), this checks the links of the pages outside it.
const read = (f: string) => readFileSync(path.join(REPO, f), 'utf8');

/** Relative link targets of a Markdown file, outside code blocks. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((t) => !/^(?:[a-z]+:|#)/i.test(t));
}

describe('README.md and CONTRIBUTING.md', () => {
  it('README stays a front door: under 200 lines, with the main job and the test command', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(200);
    // .ci/run runs "the exact test command that README.md gives"; .ci/run-as-user.sh its main job.
    expect(readme).toContain('```bash\nnpm ci && npx amnesia run\n```');
    expect(readme).toContain('```bash\nnpm test\n```');
  });

  it.each(['README.md', 'CONTRIBUTING.md'])('%s links only to files of the repository that exist', (file) => {
    const links = relativeLinks(read(file));
    expect(links.length).toBeGreaterThan(3);
    for (const target of links) {
      const [route = ''] = target.split('#');
      expect(existsSync(path.join(REPO, path.dirname(file), decodeURIComponent(route))), target).toBe(true);
    }
  });

  it('README links to every page of the docs guide and reference', () => {
    const links = new Set(relativeLinks(read('README.md')).map((t) => t.split('#')[0]));
    const config = read('docs/.vitepress/config.mts');
    const pages = [...config.matchAll(/link: '\/((?:guide|reference)\/[\w-]+)'/g)].map(
      (m) => `docs/${m[1]}.md`,
    );
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) expect(links, page).toContain(page);
  });
});
