import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appImports } from './app-imports.ts';

describe('appImports: the packages the app’s source imports', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amnesia-imports-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the script the command runs and the app files it imports, not node: builtins', async () => {
    await mkdir(path.join(dir, 'lib'));
    await writeFile(
      path.join(dir, 'app.js'),
      "import { serve } from './lib/http.js';\nimport { graph } from './lib/graph';\nimport { readFile } from 'node:fs/promises';\n",
    );
    await writeFile(path.join(dir, 'lib', 'http.js'), "import { createServer } from 'node:http';\n");
    await writeFile(
      path.join(dir, 'lib', 'graph.ts'),
      "import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';\nconst pg = await import('pg');\n",
    );
    expect((await appImports({ command: 'node app.js --port 3000', cwd: dir })).sort()).toEqual([
      '@langchain/langgraph-checkpoint-postgres',
      'pg',
    ]);
    expect(await appImports({ command: ['node', 'app.js'], cwd: dir })).toContain('pg');
  });

  it('is empty when the command names no script of the app (a binary, an image)', async () => {
    expect(await appImports({ command: 'uvicorn main:app', cwd: dir })).toEqual([]);
    expect(await appImports({ command: 'node missing.js', cwd: dir })).toEqual([]);
  });
});
