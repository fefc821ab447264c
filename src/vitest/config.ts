import path from 'node:path';
import { findConfig, loadConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { InvalidInputError } from '../errors.ts';

/** The config a vitest helper runs with: the one given, else `amnesia.config.yaml` in `cwd`. */
export async function configIn(
  cwd: string,
  config: string | ResolvedConfig | undefined,
): Promise<ResolvedConfig> {
  if (typeof config === 'object') return config;
  const file = config ? path.resolve(cwd, config) : findConfig(cwd);
  if (!file) {
    throw new InvalidInputError([
      {
        file: path.join(cwd, 'amnesia.config.yaml'),
        line: 1,
        column: 1,
        field: '',
        message: 'no amnesia.config.yaml here: amnesia needs to know how to start your app',
        hint: 'run `npx amnesia init`, or pass { config: "path/to/amnesia.config.yaml" }',
      },
    ]);
  }
  return loadConfig(file);
}
