import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO } from './cli.ts';

/**
 * "Install" amnesia's vitest entry points and vitest itself into a project from this repository:
 * node_modules/amnesia maps `amnesia/vitest`, `amnesia/vitest/setup` and `amnesia/vitest/plugin`
 * onto src/vitest (the packed-install test does the same with the built tarball), and
 * node_modules/vitest is this repository's, so that `npx vitest` there runs as a user's would.
 */
export async function linkAmnesia(projectDir: string): Promise<void> {
  const pkg = path.join(projectDir, 'node_modules/amnesia');
  await mkdir(pkg, { recursive: true });
  const entries = { vitest: 'index', 'vitest/setup': 'setup', 'vitest/plugin': 'plugin' };
  await writeFile(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: 'amnesia',
      type: 'module',
      exports: Object.fromEntries(Object.entries(entries).map(([k, f]) => [`./${k}`, `./${f}.js`])),
    }),
  );
  for (const f of Object.values(entries)) {
    await writeFile(
      path.join(pkg, `${f}.js`),
      `export * from '${path.join(REPO, 'src/vitest', `${f}.ts`)}';\n`,
    );
  }
  await symlink(path.join(REPO, 'node_modules/vitest'), path.join(projectDir, 'node_modules/vitest'));
  // The project's own package.json, if it has one, stays (a CommonJS project is the vitest example's case too, docs/guide/vitest.md).
  await writeFile(path.join(projectDir, 'package.json'), '{ "type": "module" }\n', { flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
}
