import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The vitest example of docs/guide/vitest.md: a user's project, run by test/vitest/readme-example.test.ts.
    exclude: [...configDefaults.exclude, 'test/package/vitest-example/**'],
    pool: 'forks',
    // The JSON report is what .ci/run counts (vitest prints no plain "N passed, N failed" line).
    reporters: ['default', 'json'],
    outputFile: { json: '.amnesia/test-results.json' },
    testTimeout: 30_000,
    // Concurrent tests boot whole topologies; two cores take about three at once.
    maxConcurrency: 3,
    hookTimeout: 60_000,
  },
});
