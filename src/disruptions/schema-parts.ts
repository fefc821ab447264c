import { z } from 'zod';
import { LIMITS, target } from '../schema/primitives.ts';
import { turnStep } from '../schema/scenario.ts';

/** `during:` of a kind that takes turns in flight. */
export const turnsInFlight = z
  .array(turnStep, { error: 'expected a list of user turns (`- user: …`)' })
  .min(1, { error: 'name at least one turn to have in flight' })
  .max(LIMITS.processes, { error: `at most ${LIMITS.processes} turns can be in flight at once` })
  .describe(
    'User turns sent just before the disruption and still in flight when it starts: each is held at its first LLM request until the disruption has signalled its worker (or, on a worker it does not stop, its first worker). Each goes to its own worker (by default one the disruption hits).',
  );

export const disruptionTarget = target.describe(
  '`all` (default), a replica such as `r2`, or a worker such as `r2w1`.',
);

export const serviceName = z
  .string({ error: 'expected the name of a service in amnesia.config.yaml `services:`' })
  .regex(/^[A-Za-z][\w-]*$/, { error: 'a service name is letters, digits, `_` or `-`' });

/** The value under a kind's key written as a word (`restart: r1`) or as a map (`restart: { target: r1 }`). */
export function wordOrMap<M extends object>(
  value: string | M | null | undefined,
): { word?: string; map: Partial<M> } {
  if (typeof value === 'string') return { word: value, map: {} };
  return { map: value ?? {} };
}
