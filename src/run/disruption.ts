import { specOf } from '../disruptions/index.ts';
import type { DisruptionStep, Topology } from '../scenario/types.ts';
import type { StartedServices } from '../services/services.ts';
import type { StartedTopology } from '../topology/types.ts';
import type { DisruptionStepRecord } from '../types/results.ts';

/**
 * Apply one disruption step to a running stack, as its kind (src/disruptions/) says, and record
 * what it did. `after` is the topology once the step is done, as the plan knows it.
 */
export async function applyDisruption(
  step: DisruptionStep,
  stack: { topology: StartedTopology; services: StartedServices; signal?: AbortSignal | undefined },
  after: Topology,
): Promise<DisruptionStepRecord> {
  const done = await specOf(step).apply(step, {
    workers: stack.topology,
    services: stack.services.faults,
    signal: stack.signal,
  });
  return { kind: 'disruption', step: step.step, at: step.at, topology: after, type: step.kind, ...done };
}
