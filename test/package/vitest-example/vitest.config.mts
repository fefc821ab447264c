// vitest.config.mts
import { amnesia } from 'amnesia/vitest/plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // In watch mode, a changed scenario file (or amnesia.config.yaml) reruns the tests that read it.
  plugins: [amnesia()],
  test: {
    // toRecall, toForget, toRecallRecent and toHaveLeaked on expect().
    setupFiles: ['amnesia/vitest/setup'],
    // Each test boots the app as replicas × workers.
    testTimeout: 120_000,
  },
});
