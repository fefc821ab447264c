/**
 * List in vitest's `setupFiles` to register amnesia's matchers (`toRecall`, `toForget`,
 * `toRecallRecent`, `toHaveLeaked`) in every test file.
 *
 * @example
 * // vitest.config.mts
 * export default defineConfig({ test: { setupFiles: ['amnesia/vitest/setup'] } });
 */
import { expect } from 'vitest';
import { amnesiaMatchers } from './matchers.ts';

expect.extend(amnesiaMatchers);
