import type { RunnerTestFile } from 'vitest';
import { expandScenarioPaths } from '../scenario/load.ts';

/** What a test file's scenario tests read: rerun it in watch mode when one of them changes. */
export interface WatchedInput {
  cwd: string;
  patterns: string[];
  /** The amnesia.config.yaml they run with, if it is a file. */
  config?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    /** On a test file: the scenario files and config its `describeScenarios` calls read. */
    amnesiaWatch?: WatchedInput[];
    /** On a scenario's test: its file. */
    amnesiaScenario?: string;
  }
}

/** Note on the test file being collected what it reads (the meta reaches vitest's main process). */
export function recordWatched(file: RunnerTestFile, input: WatchedInput): void {
  file.meta.amnesiaWatch = [...(file.meta.amnesiaWatch ?? []), input];
}

/**
 * The test files to rerun when `changed` changed: those whose `describeScenarios` read it, or
 * whose patterns now match it (a new scenario file). Patterns are expanded again, exactly as
 * `describeScenarios` expands them.
 */
export function testFilesReading(files: readonly RunnerTestFile[], changed: string): string[] {
  return files
    .filter((f) =>
      (f.meta.amnesiaWatch ?? []).some(
        (w) => w.config === changed || expandScenarioPaths(w.patterns, w.cwd).files.includes(changed),
      ),
    )
    .map((f) => f.filepath);
}
