import type { Plugin } from 'vitest/config';
import type { Vitest } from 'vitest/node';
import { testFilesReading } from './watch.ts';

/**
 * The vitest plugin of amnesia: in watch mode, a change to a scenario file (or to the
 * amnesia.config.yaml it runs with) reruns exactly the test files whose `describeScenarios`
 * read it, and a new file that their patterns match reruns them too. It uses vitest's
 * `watchTriggerPatterns`; the test files tell it what they read through their task meta.
 *
 * @example
 * // vitest.config.mts
 * import { defineConfig } from 'vitest/config';
 * import { amnesia } from 'amnesia/vitest/plugin';
 * export default defineConfig({ plugins: [amnesia()] });
 */
export function amnesia(): Plugin {
  let vitest: Vitest | undefined;
  return {
    name: 'amnesia',
    config: () => ({
      test: {
        watchTriggerPatterns: [
          {
            pattern: /\.ya?ml$/,
            testsToRun: (file: string) => {
              const files = vitest ? testFilesReading(vitest.state.getFiles(), file) : [];
              return files.length > 0 ? files : undefined;
            },
          },
        ],
      },
    }),
    configureVitest(context) {
      vitest = context.vitest;
    },
  };
}
