import { configAt } from '../config/load.ts';
import type { ResolvedConfig } from '../config/types.ts';

/** The config a vitest helper runs with: the one given, else `amnesia.config.yaml` in `cwd`. */
export function configIn(cwd: string, config: string | ResolvedConfig | undefined): Promise<ResolvedConfig> {
  return configAt(cwd, config, 'run `npx amnesia init`, or pass { config: "path/to/amnesia.config.yaml" }');
}
