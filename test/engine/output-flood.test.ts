import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummary, run } from '../../src/index.ts';
import { OUTPUT_LIMITS } from '../../src/topology/output-log.ts';
import { tempFiles } from '../helpers/files.ts';
import { reportingApp } from '../helpers/reporting-app.ts';

const MB50 = 50 * 2 ** 20;

/** An app that writes 50 MB to stdout as fast as the pipe takes it, then serves. */
function floodingApp(withNewlines: boolean): string {
  const chunk = withNewlines ? `'${'x'.repeat(1023)}\\n'.repeat(64)` : `'x'.repeat(65536)`;
  return reportingApp('', 'return "ok";').replace(
    "server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));",
    `const chunk = ${chunk};
let written = 0;
const flood = () => {
  while (written < ${MB50}) {
    written += chunk.length;
    if (!process.stdout.write(chunk)) return void process.stdout.once('drain', flood);
  }
  process.stdout.write('\\n');
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
};
flood();`,
  );
}

describe('an app that floods its output', () => {
  for (const withNewlines of [true, false]) {
    it(`50 MB ${withNewlines ? 'in lines' : 'without a newline'}: the log stays under the cap, the report says what was dropped`, async () => {
      await using project = await tempFiles({
        'server.mjs': floodingApp(withNewlines),
        'amnesia.config.yaml': `app:
  command: node server.mjs
  ready: { log: listening }
  boot_timeout: 2m
topology: { replicas: 1, workers: 1 }
`,
        // Fails on purpose, so the logs are kept for the test to measure.
        'scenarios/flood.yaml':
          'name: flood\nsteps:\n  - user: Hello there.\n    expect: { reply: nothing of this }\n',
      });
      const rss = process.memoryUsage().rss;
      const result = await run({ cwd: project.dir, probe: 'never' });
      const grown = process.memoryUsage().rss - rss;
      console.log(
        `RSS grew by ${(grown / 2 ** 20).toFixed(0)} MiB over the run (${withNewlines ? 'lines' : 'no newline'})`,
      );
      const s = result.scenarios[0];
      expect(s?.status).toBe('failed');
      const logs = path.join(s?.artifactsDir ?? '', 'logs');
      const files = readdirSync(logs).filter((f) => f.startsWith('r1w1.'));
      expect(files).toEqual(['r1w1.1.log']);
      const size = statSync(path.join(logs, 'r1w1.1.log')).size;
      expect(size).toBeLessThan(OUTPUT_LIMITS.headBytes + OUTPUT_LIMITS.tailBytes + 4096);
      const note = s?.notes?.find((n) => n.startsWith('the output of worker r1w1 was cut (r1w1.1.log): '));
      expect(note).toMatch(
        withNewlines
          ? /: 4\d(\.\d)? MiB \([\d,]+ lines\) dropped between the first 4 MiB and the last 1 MiB it keeps; /
          : /: 1 line longer than 65,536 characters cut \(52,363,264 characters dropped\); /,
      );
      expect(renderSummary(result, { color: false })).toContain(`note  flood: ${note}`);
    });
  }
});
