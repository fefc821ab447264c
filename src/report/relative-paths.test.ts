import { describe, expect, it } from 'vitest';
import { relativePaths } from './relative-paths.ts';

describe('relativePaths', () => {
  it('makes paths under the root relative, in fields and inside texts, and leaves others alone', () => {
    const value = {
      configFile: '/work/app/amnesia.config.yaml',
      root: '/work/app',
      steps: [{ at: { file: '/work/app/scenarios/a.yaml', line: 3 } }],
      error: { message: 'cannot copy /work/app/data to /tmp/x: no space (see /work/app/.amnesia/log)' },
      outside: '/work/application/x.yaml',
      nested: 'cd /other/work/app/x',
      n: 4,
    };
    expect(relativePaths(value, '/work/app')).toEqual({
      configFile: 'amnesia.config.yaml',
      root: '.',
      steps: [{ at: { file: 'scenarios/a.yaml', line: 3 } }],
      error: { message: 'cannot copy data to /tmp/x: no space (see .amnesia/log)' },
      outside: '/work/application/x.yaml',
      nested: 'cd /other/work/app/x',
      n: 4,
    });
  });

  it('changes nothing without a root', () => {
    const value = { file: '/work/app/a.yaml' };
    expect(relativePaths(value, undefined)).toBe(value);
  });
});
