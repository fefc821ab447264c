import { z } from 'zod';
import { duration, parseDuration } from '../schema/primitives.ts';
import { disruptionTarget, turnsInFlight, wordOrMap } from './schema-parts.ts';
import { type DisruptionSpec, fromWorkers } from './spec.ts';
import { formatTarget, parseTarget, type Target, workersOf } from './target.ts';

export interface Restart {
  kind: 'restart';
  target: Target;
  graceMs?: number;
}

const schema = z
  .strictObject({
    restart: z
      .union(
        [
          z.null(),
          disruptionTarget,
          z.strictObject({
            target: disruptionTarget.optional(),
            grace: duration('grace', 60_000).optional(),
          }),
        ],
        {
          error:
            'expected nothing (every worker), a target such as `r1` or `r1w2`, or a map with target and grace',
        },
      )
      .describe(
        'Graceful restart: SIGTERM, wait up to the grace period, SIGKILL, start again on the same disk.',
      ),
    during: turnsInFlight.optional(),
  })
  .describe('Restart workers gracefully.');

/** `restart`, `restart: r1w1`, `restart: { target: r1, grace: 2s }`. */
export const restart: DisruptionSpec<Restart, typeof schema> = {
  kind: 'restart',
  schema,
  bare: true,
  inFlight: true,
  dropsInFlight: false,
  normalize(input) {
    const { word, map } = wordOrMap(input.restart);
    return {
      target: parseTarget(word ?? map.target ?? 'all'),
      ...(map.grace ? { graceMs: parseDuration(map.grace) } : {}),
    };
  },
  hits: (step, shape) => ({ workers: workersOf(step.target, shape), shape }),
  apply: async (step, stack) => fromWorkers(await stack.workers.restart(step.target, step.graceMs)),
  text: (step) => `restart ${formatTarget(step.target)}`,
  evidence: { generation: false, forcedNote: true },
};
