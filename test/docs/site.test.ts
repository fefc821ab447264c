import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCommand } from '../helpers/cli.ts';

// The docs site as CI builds it (`npm run docs:build`), into a folder of its own: VitePress fails the
// build on a dead link between pages; this also checks every link's anchor, every asset, and that a
// page asks nothing of the network (no web fonts, no analytics, no search service).
const VITEPRESS = path.join(REPO, 'node_modules/vitepress/bin/vitepress.js');

let out = '';
let build: Awaited<ReturnType<typeof runCommand>>;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'amnesia-docs-'));
  build = await runCommand(process.execPath, [VITEPRESS, 'build', 'docs', '--outDir', out], { cwd: REPO });
}, 120_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

/** The file a site path serves (clean URLs: `/guide/cli` is guide/cli.html). */
function served(sitePath: string): string | undefined {
  const clean = decodeURIComponent(sitePath).replace(/\/$/, '/index');
  for (const candidate of [clean, `${clean}.html`]) {
    const file = path.join(out, candidate);
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

const ids = (html: string) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));

describe('the docs site', () => {
  it('builds, with no dead link between pages', () => {
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(build.stdout + build.stderr).not.toMatch(/dead link/i);
  });

  it('has a page for every Markdown file of docs/', () => {
    const pages = files(path.join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md') && !f.includes(`${path.sep}.vitepress${path.sep}`))
      .map((f) => path.relative(path.join(REPO, 'docs'), f).replace(/\.md$/, '.html'));
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) expect(existsSync(path.join(out, page)), page).toBe(true);
  });

  it('links only to pages, anchors and assets that exist', () => {
    const broken: string[] = [];
    for (const file of files(out).filter((f) => f.endsWith('.html'))) {
      const html = readFileSync(file, 'utf8');
      const from = `/${path.relative(out, file)}`;
      for (const [, target = ''] of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
        if (/^(?:[a-z]+:)?\/\//i.test(target) || /^(?:mailto|data):/.test(target)) continue;
        const [route = '', anchor] = target.split('#');
        const resolved = route === '' ? file : served(path.posix.resolve(path.posix.dirname(from), route));
        if (!resolved) {
          broken.push(`${from}: ${target} (no such page or file)`);
          continue;
        }
        if (anchor && resolved.endsWith('.html') && !ids(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${from}: ${target} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('asks nothing of the network: scripts, styles and fonts are its own', () => {
    const outside: string[] = [];
    // HTML and CSS only: the theme's scripts hold URLs for features this site does not use (icons of
    // social links it has none of), which a page never requests.
    for (const file of files(out).filter((f) => /\.(html|css)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/<(?:script|link)\b[^>]*\s(?:src|href)="(https?:)?\/\/[^"]+"/g))
        outside.push(m[0]);
      for (const m of text.matchAll(/url\(\s*['"]?(?:https?:)?\/\/[^)]+\)/g)) outside.push(m[0]);
      for (const m of text.matchAll(/@import\s+(?:url\()?['"]?https?:\/\/[^'")]+/g)) outside.push(m[0]);
    }
    expect(outside).toEqual([]);
  });
});
