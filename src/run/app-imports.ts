import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const SOURCE = /\.(?:[cm]?[jt]s)$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"\n]+)['"]/gm;
/** Enough for an app's entry file and the helpers it imports; a bundle or a framework's own tree is not read. */
const MAX_FILES = 24;

/**
 * The packages the app's source imports: the script its command runs (`node server.ts`), and the
 * files of the app that script imports, relative import by relative import. Empty when the command
 * names no script in the app folder (a binary, a container image).
 */
export async function appImports(app: { command: string | string[]; cwd: string }): Promise<string[]> {
  const root = path.resolve(app.cwd);
  const words = Array.isArray(app.command)
    ? app.command
    : app.command.split(/\s+/).map((w) => w.replace(/^['"]|['"]$/g, ''));
  const queue = (
    await Promise.all(words.filter((w) => SOURCE.test(w)).map((w) => existing(path.resolve(root, w))))
  ).filter((f): f is string => f !== undefined);
  const seen = new Set<string>();
  const packages = new Set<string>();
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const [, specifier = ''] of text.matchAll(SPECIFIER)) {
      if (specifier.startsWith('.')) {
        const next = await sourceAt(path.resolve(path.dirname(file), specifier));
        if (next?.startsWith(root) && !next.includes(`${path.sep}node_modules${path.sep}`)) queue.push(next);
      } else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  }
  return [...packages];
}

/** `./lib/db` → `./lib/db.ts`, `./lib/db.js` or `./lib/db/index.js`, whichever exists. */
async function sourceAt(p: string): Promise<string | undefined> {
  for (const candidate of [
    p,
    `${p}.ts`,
    `${p}.js`,
    `${p}.mjs`,
    path.join(p, 'index.ts'),
    path.join(p, 'index.js'),
  ]) {
    const found = await existing(candidate);
    if (found && SOURCE.test(found)) return found;
  }
  return undefined;
}

async function existing(p: string): Promise<string | undefined> {
  return (await stat(p).catch(() => undefined))?.isFile() ? p : undefined;
}
