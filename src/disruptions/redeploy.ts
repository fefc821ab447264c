import { z } from 'zod';
import { turnsInFlight, wordOrMap } from './schema-parts.ts';
import { type DisruptionSpec, fromWorkers } from './spec.ts';
import { formatTarget, parseTarget, type Target, workersOf } from './target.ts';

export interface Redeploy {
  kind: 'redeploy';
  strategy: 'rolling' | 'at-once';
  target: Target;
}

const redeployStrategy = z.enum(['rolling', 'at-once'], { error: 'expected `rolling` or `at-once`' });
const replicaTarget = z.string().regex(/^(all|r[1-9]\d*)$/, {
  error: 'a redeploy replaces whole replicas: expected `all` or a replica such as `r2`',
});

const schema = z
  .strictObject({
    redeploy: z
      .union(
        [
          z.null(),
          redeployStrategy,
          replicaTarget,
          z.strictObject({
            strategy: redeployStrategy
              .optional()
              .describe('`rolling` (default): one replica at a time; `at-once`: every target together.'),
            target: replicaTarget.optional().describe('`all` (default) or a replica such as `r2`.'),
          }),
        ],
        {
          error:
            'expected nothing (rolling, every replica), `rolling`, `at-once`, a replica such as `r2`, or a map with strategy and target',
        },
      )
      .describe(
        'New processes on a fresh copy of the app folder and data dir. `rolling` (default): one replica at a time while the others serve.',
      ),
    during: turnsInFlight.optional(),
  })
  .describe('Redeploy replicas on fresh disks.');

const isStrategy = (w: string | undefined): w is Redeploy['strategy'] => w === 'rolling' || w === 'at-once';

/** `redeploy`, `redeploy: at-once`, `redeploy: r2`, `redeploy: { strategy: at-once, target: r2 }`. */
export const redeploy: DisruptionSpec<Redeploy, typeof schema> = {
  kind: 'redeploy',
  schema,
  bare: true,
  inFlight: true,
  dropsInFlight: false,
  normalize(input) {
    const { word, map } = wordOrMap(input.redeploy);
    const strategy = isStrategy(word) ? word : (map.strategy ?? 'rolling');
    const target = word && !isStrategy(word) ? word : (map.target ?? 'all');
    return { strategy, target: parseTarget(target) };
  },
  hits: (step, shape) => ({ workers: workersOf(step.target, shape), shape }),
  apply: async (step, stack) => fromWorkers(await stack.workers.redeploy(step.strategy, step.target)),
  text: (step) => `redeploy ${formatTarget(step.target)} (${step.strategy})`,
  evidence: { generation: true, forcedNote: true },
};
