import { z } from 'zod';
import { count, LIMITS } from '../schema/primitives.ts';
import { type DisruptionSpec, fromWorkers } from './spec.ts';
import { workerOrder } from './target.ts';

export interface Scale {
  kind: 'scale';
  replicas?: number;
  workers?: number;
}

const schema = z
  .strictObject({
    scale: z
      .strictObject({
        replicas: count('replicas', 1, LIMITS.replicas).optional().describe('Replicas after the step.'),
        workers: count('workers', 1, LIMITS.workers)
          .optional()
          .describe('Workers per replica after the step.'),
      })
      .refine((s) => s.replicas !== undefined || s.workers !== undefined, {
        error: 'say how many `replicas` or `workers` to scale to',
      })
      .describe(
        'Scale to this many replicas and/or workers per replica. New ones start on fresh disks; removed ones stop gracefully.',
      ),
  })
  .describe('Scale the topology up or down.');

/** `scale: { replicas: 2, workers: 3 }`: it hits the workers it adds. */
export const scale: DisruptionSpec<Scale, typeof schema> = {
  kind: 'scale',
  schema,
  bare: false,
  inFlight: false,
  dropsInFlight: false,
  normalize: (input) => ({ ...input.scale }),
  hits(step, shape) {
    const next = { replicas: step.replicas ?? shape.replicas, workers: step.workers ?? shape.workers };
    const before = workerOrder(shape);
    return { workers: workerOrder(next).filter((id) => !before.includes(id)), shape: next };
  },
  apply: async (step, stack) =>
    fromWorkers(
      await stack.workers.scale({
        ...(step.replicas ? { replicas: step.replicas } : {}),
        ...(step.workers ? { workers: step.workers } : {}),
      }),
    ),
  text: (step) =>
    `scale to ${[step.replicas && `${step.replicas} replicas`, step.workers && `${step.workers} workers`].filter(Boolean).join(', ')}`,
  evidence: { generation: false, forcedNote: true },
};
