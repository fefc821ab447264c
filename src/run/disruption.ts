import { AbortedError } from '../errors.ts';
import type { DisruptionStep, Topology } from '../scenario/types.ts';
import type { StartedServices } from '../services/services.ts';
import type { StartedTopology } from '../topology/types.ts';
import type { DisruptionStepRecord } from '../types/results.ts';

/**
 * Apply one disruption step to a running stack and say what it did: a change of the app's
 * topology (restart, crash, redeploy, scale), a fault of a service, or a wait. `after` is the
 * topology once the step is done, as the plan knows it.
 */
export async function applyDisruption(
  step: DisruptionStep,
  stack: { topology: StartedTopology; services: StartedServices; signal?: AbortSignal | undefined },
  after: Topology,
): Promise<DisruptionStepRecord> {
  const base = { kind: 'disruption', step: step.step, at: step.at, topology: after } as const;
  if (step.kind === 'restart_service' || step.kind === 'outage' || step.kind === 'wipe_service') {
    const f = await stack.services.faults.apply(step);
    return {
      ...base,
      type: f.kind,
      description: f.description,
      changes: [],
      service: {
        name: f.service,
        before: f.before,
        ...(f.after ? { after: f.after } : {}),
        ...(f.outageMs !== undefined ? { outageMs: f.outageMs } : {}),
      },
      durationMs: f.durationMs,
    };
  }
  if (step.kind === 'wait') {
    const t0 = performance.now();
    await waitFor(step.ms, stack.signal);
    return {
      ...base,
      type: 'wait',
      description: `wait ${step.ms} ms`,
      changes: [],
      durationMs: performance.now() - t0,
    };
  }
  const { topology } = stack;
  const d =
    step.kind === 'restart'
      ? await topology.restart(step.target, step.graceMs)
      : step.kind === 'crash'
        ? await topology.crash(step.target)
        : step.kind === 'redeploy'
          ? await topology.redeploy(step.strategy, step.target)
          : await topology.scale({
              ...(step.replicas ? { replicas: step.replicas } : {}),
              ...(step.workers ? { workers: step.workers } : {}),
            });
  return { ...base, type: d.kind, description: d.description, changes: d.changes, durationMs: d.durationMs };
}

function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new AbortedError());
      },
      { once: true },
    );
  });
}
