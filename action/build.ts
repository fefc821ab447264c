// Bundles the Action into one file, action/dist/index.js, which action.yml runs and git holds.
// esbuild, not rollup or ncc: it is already the project's (one tool less), reads TypeScript as Node
// does (type stripping, `.ts` imports), builds in well under a second, and its output depends only
// on its inputs, so a test can rebuild and compare byte for byte.
// Run it with `npm run bundle:action` (Node 24 runs this file directly).
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';

export const REPO = path.resolve(import.meta.dirname, '..');
export const BUNDLE = path.join(REPO, 'action/dist/index.js');

/**
 * Packages the user installs for optional features, resolved from their project at run time
 * (src/util/optional-dependency.ts): never inside the bundle, so the Action uses their versions.
 */
export const OPTIONAL = ['testcontainers', '@electric-sql/pglite-socket', '@electric-sql/pglite'];

export const options = {
  absWorkingDir: REPO,
  entryPoints: ['action/index.ts'],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  external: OPTIONAL,
  // @actions/* and their CommonJS dependencies call require() for Node built-ins; ESM has none.
  banner: {
    js: "import { createRequire as __amnesiaCreateRequire } from 'node:module'; const require = __amnesiaCreateRequire(import.meta.url);",
  },
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
} satisfies BuildOptions;

if (import.meta.main) {
  const started = performance.now();
  await build(options);
  console.log(`wrote ${path.relative(REPO, BUNDLE)} in ${Math.round(performance.now() - started)} ms`);
}
