import { z } from 'zod';
import { duration, LIMITS, parseDuration } from '../schema/primitives.ts';
import { disruptionTarget, turnsInFlight } from './schema-parts.ts';
import { type DisruptionSpec, fromWorkers } from './spec.ts';
import { formatTarget, parseTarget, type Target, workersOf } from './target.ts';

export interface Pause {
  kind: 'pause';
  target: Target;
  ms: number;
}

const schema = z
  .strictObject({
    pause: z
      .strictObject(
        {
          target: disruptionTarget.optional(),
          for: duration('for', LIMITS.waitMs).describe('How long the workers stay stopped, e.g. `2s`.'),
        },
        { error: 'expected a map with `target` and `for`, e.g. `pause: { target: r1w1, for: 2s }`' },
      )
      .describe(
        'Stop the workers with SIGSTOP (a long GC pause, a VM migration, a throttled container): they keep their connections and memory but answer nothing; SIGCONT once `for` has passed. Clients whose timeout is shorter give up meanwhile.',
      ),
    during: turnsInFlight.optional(),
  })
  .describe('Freeze workers for a while (SIGSTOP, then SIGCONT).');

/** `pause: { target: r1w1, for: 2s }`: stopped, not killed; continued once `for` has passed. */
export const pause: DisruptionSpec<Pause, typeof schema> = {
  kind: 'pause',
  schema,
  bare: false,
  inFlight: true,
  dropsInFlight: false,
  normalize: (input) => ({
    target: parseTarget(input.pause.target ?? 'all'),
    ms: parseDuration(input.pause.for),
  }),
  hits: (step, shape) => ({ workers: workersOf(step.target, shape), shape }),
  check: (_step, shape) =>
    shape.serverless
      ? [
          {
            message:
              'a pause stops long-lived workers (SIGSTOP), and serverless mode has none: each turn gets a newly started instance',
            hint: 'use `crash` or `restart` (a new instance), or drop `topology.serverless`',
          },
        ]
      : [],
  apply: async (step, stack) => fromWorkers(await stack.workers.pause(step.target, step.ms)),
  text: (step) => `pause ${formatTarget(step.target)} for ${step.ms} ms`,
  evidence: { generation: false, forcedNote: true },
};
