import { z } from 'zod';
import { disruptionTarget, turnsInFlight, wordOrMap } from './schema-parts.ts';
import { type DisruptionSpec, fromWorkers } from './spec.ts';
import { formatTarget, parseTarget, type Target, workersOf } from './target.ts';

export interface Crash {
  kind: 'crash';
  target: Target;
}

const schema = z
  .strictObject({
    crash: z
      .union([z.null(), disruptionTarget, z.strictObject({ target: disruptionTarget.optional() })], {
        error: 'expected nothing (every worker), or a target such as `r1` or `r1w2`',
      })
      .describe('SIGKILL, then respawned on the same disk, as a supervisor would.'),
    during: turnsInFlight.optional(),
  })
  .describe('Crash workers (kill -9).');

/** `crash`, `crash: r1w1`, `crash: { target: r1 }`. */
export const crash: DisruptionSpec<Crash, typeof schema> = {
  kind: 'crash',
  schema,
  bare: true,
  inFlight: true,
  dropsInFlight: true,
  normalize(input) {
    const { word, map } = wordOrMap(input.crash);
    return { target: parseTarget(word ?? map.target ?? 'all') };
  },
  hits: (step, shape) => ({ workers: workersOf(step.target, shape), shape }),
  apply: async (step, stack) => fromWorkers(await stack.workers.crash(step.target)),
  text: (step) => `crash ${formatTarget(step.target)}`,
  evidence: { generation: false, forcedNote: false },
};
