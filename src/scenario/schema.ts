import { z } from 'zod';
import { DISRUPTION_KINDS, DISRUPTIONS, type DisruptionKind } from '../disruptions/index.ts';
import { withId } from '../schema/json-schema.ts';
import { duration, LIMITS, routing, seed, topology } from '../schema/primitives.ts';
import { togetherStep, turnStep } from '../schema/scenario.ts';

type DisruptionSchema = (typeof DISRUPTIONS)[DisruptionKind]['schema'];
const disruptionSchemas = DISRUPTION_KINDS.map((k) => DISRUPTIONS[k].schema as DisruptionSchema);

/** Step kinds, by the one key that names them. */
export const STEP_KINDS: Record<string, z.ZodType> = {
  user: turnStep,
  together: togetherStep,
  ...Object.fromEntries(DISRUPTION_KINDS.map((k) => [k, DISRUPTIONS[k].schema])),
};

/** Disruptions that may be written as a bare word: `- restart`. */
export const BARE_STEPS = DISRUPTION_KINDS.filter((k) => DISRUPTIONS[k].bare) as [
  DisruptionKind,
  ...DisruptionKind[],
];

export const step = z.union(
  [
    turnStep,
    togetherStep,
    ...disruptionSchemas,
    z.enum(BARE_STEPS).describe('A disruption with its defaults.'),
  ],
  {
    error: `a step is a user turn (\`user: …\`), turns at once (\`together: […]\`) or a disruption (${DISRUPTION_KINDS.map((k) => `\`${k}\``).join(', ')})`,
  },
);

export const scenarioFile = z
  .strictObject({
    name: z
      .string({ error: 'expected the scenario name' })
      .refine((s) => s.trim().length > 0, { error: 'the name must not be empty' })
      .describe('A unique name; reports and test names use it.'),
    description: z.string().optional().describe('What this scenario proves, for the reader of a report.'),
    tags: z
      .array(z.string({ error: 'a tag is a text' }))
      .optional()
      .describe('Labels to select scenarios with `--tags`.'),
    topology: topology.optional(),
    routing: routing.optional(),
    seed: seed.optional(),
    timeout: duration('timeout', LIMITS.turnTimeoutMs)
      .optional()
      .describe('Per-turn timeout for this scenario.'),
    steps: z
      .array(step, { error: 'expected a list of steps (`- user: …`)' })
      .min(1, { error: 'a scenario needs at least one step' })
      .describe('User turns and disruptions, in order.'),
  })
  .describe('An amnesia scenario: one multi-turn conversation and what must be remembered.');

export type ScenarioFile = z.infer<typeof scenarioFile>;

/** JSON Schema (draft-07) of a scenario file, from the same zod schema the loader uses. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return withId(z.toJSONSchema(scenarioFile, { target: 'draft-07', io: 'input' }), 'amnesia scenario');
}
