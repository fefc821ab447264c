import { once } from 'node:events';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { amnesia } from '../../src/vitest/plugin.ts';
import { basicProject } from '../helpers/basic-app.ts';
import { REPO } from '../helpers/cli.ts';

const ENTRY = path.join(REPO, 'src/vitest/index.ts');
const scenario = (name: string) => `name: ${name}\nsteps:\n  - user: My cat is called Miso.\n`;
const testFile = (patterns: string) =>
  `import { describeScenarios } from '${ENTRY}';\ndescribeScenarios(${patterns}, { cwd: import.meta.dirname });\n`;

/** Each watch-mode run: the test files it reran and the test names it found. */
interface Rerun {
  files: string[];
  tests: string[];
}

it('watch mode reruns exactly the test files whose scenarios (or config) changed, and sees the change', {
  timeout: 120_000,
}, async () => {
  await using project = await basicProject('global', {
    'scenarios/a/one.yaml': scenario('one'),
    'scenarios/b/two.yaml': scenario('two'),
    'a.vitest.ts': testFile(`'scenarios/a'`),
    'b.vitest.ts': testFile(`['scenarios/b/*.yaml']`),
  });
  const rel = (f: string) => path.relative(project.dir, f);
  let rerunFiles: string[] = [];
  let runEnded: (r: Rerun) => void = () => {};
  const reporter: Reporter = {
    onWatcherRerun: (files) => {
      rerunFiles = files.map(rel).sort();
    },
    onTestRunEnd: (modules: ReadonlyArray<TestModule>) => {
      const tests = modules.flatMap((m) => [...m.children.allTests()].map((t) => t.fullName));
      runEnded({ files: rerunFiles, tests: tests.sort() });
    },
  };
  const nextRun = () => new Promise<Rerun>((resolve) => (runEnded = resolve));
  const vitest = await createVitest(
    {
      root: project.dir,
      config: false,
      include: ['*.vitest.ts'],
      watch: true,
      // Collect the scenario tests, run none of them: only which files rerun matters here.
      testNamePattern: '^nothing runs$',
      reporters: [reporter],
    },
    { plugins: [amnesia()] },
    { stdout: new Writable({ write: (_c, _e, done) => done() }) },
  );
  try {
    const first = nextRun();
    await vitest.start();
    expect((await first).tests).toEqual(['scenarios/a/one.yaml > one', 'scenarios/b/two.yaml > two']);
    const watcher = vitest.vite.watcher;
    if (!Object.keys(watcher.getWatched()).includes(path.join(project.dir, 'scenarios/b'))) {
      await once(watcher, 'ready');
    }

    let run = nextRun();
    await writeFile(path.join(project.dir, 'scenarios/a/one.yaml'), scenario('one, renamed'));
    expect(await run).toEqual({ files: ['a.vitest.ts'], tests: ['scenarios/a/one.yaml > one, renamed'] });

    run = nextRun();
    await writeFile(path.join(project.dir, 'scenarios/b/three.yaml'), scenario('three'));
    expect(await run).toEqual({
      files: ['b.vitest.ts'],
      tests: ['scenarios/b/three.yaml > three', 'scenarios/b/two.yaml > two'],
    });

    run = nextRun();
    await appendFile(path.join(project.dir, 'amnesia.config.yaml'), '# a change to the config\n');
    expect((await run).files).toEqual(['a.vitest.ts', 'b.vitest.ts']);
  } finally {
    await vitest.close();
  }
});
