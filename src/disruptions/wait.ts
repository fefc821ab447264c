import { z } from 'zod';
import { AbortedError } from '../errors.ts';
import { duration, LIMITS, parseDuration } from '../schema/primitives.ts';
import type { DisruptionSpec } from './spec.ts';

export interface Wait {
  kind: 'wait';
  ms: number;
}

const schema = z
  .strictObject({ wait: duration('wait', LIMITS.waitMs).describe('How long to wait, e.g. `2s`.') })
  .describe('Wait (for TTLs, background jobs).');

/** `wait: 2s`. */
export const wait: DisruptionSpec<Wait, typeof schema> = {
  kind: 'wait',
  schema,
  bare: false,
  inFlight: false,
  dropsInFlight: false,
  normalize: (input) => ({ ms: parseDuration(input.wait) }),
  hits: (_step, shape) => ({ workers: [], shape }),
  async apply(step, stack) {
    const t0 = performance.now();
    await waitFor(step.ms, stack.signal);
    return { description: `wait ${step.ms} ms`, changes: [], durationMs: performance.now() - t0 };
  },
  text: (step) => `wait ${step.ms} ms`,
  evidence: { generation: false, forcedNote: true },
};

/** Resolve after ms; reject with AbortedError once the signal aborts. */
export function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
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
