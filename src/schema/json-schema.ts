import { z } from 'zod';
import { configFile } from './config.ts';

/** JSON Schema (draft-07) of amnesia.config.yaml. */
export function configJsonSchema(): Record<string, unknown> {
  return withId(z.toJSONSchema(configFile, { target: 'draft-07', io: 'input' }), 'amnesia.config.yaml');
}

export function withId(schema: Record<string, unknown>, title: string): Record<string, unknown> {
  const { $schema, ...rest } = schema;
  return { $schema, title, ...rest };
}

export const SCHEMA_FILES = {
  scenario: 'amnesia.schema.json',
  config: 'amnesia.config.schema.json',
} as const;
