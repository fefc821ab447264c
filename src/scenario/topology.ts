import type { z } from 'zod';
import type { topology } from '../schema/primitives.ts';
import type { Topology } from './types.ts';

/**
 * `topology:` as written (config or scenario) to the engine's shape: `serverless: true` is a cold
 * start per turn (`warm: 0`); `serverless: false` is kept as an explicit `undefined`, so that a
 * scenario can turn off the config's serverless mode when the two are merged.
 */
export function resolveTopology(raw: z.infer<typeof topology>): Partial<Topology> {
  const { serverless, ...shape } = raw;
  if (serverless === undefined) return shape;
  if (serverless === false) return { ...shape, serverless: undefined };
  return { ...shape, serverless: { warm: serverless === true ? 0 : (serverless.warm ?? 0) } };
}
