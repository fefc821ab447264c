import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

type AnySchema = z.ZodType;
// biome-ignore lint/suspicious/noExplicitAny: zod's internal definition is untyped across kinds
type Def = any;

const def = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip optional/default/nullable/readonly/pipe wrappers. */
export function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const d = def(cur);
    if (['optional', 'nullable', 'default', 'readonly', 'prefault', 'nonoptional', 'catch'].includes(d.type))
      cur = d.innerType;
    else if (d.type === 'pipe') cur = d.in;
    else return cur;
  }
}

/** The schema that validates the value at `path` below `root`, if one can be found. */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let cur: AnySchema | undefined = root;
  for (const seg of path) {
    if (!cur) return undefined;
    cur = childSchema(unwrap(cur), seg);
  }
  return cur;
}

function childSchema(s: AnySchema, seg: PropertyKey): AnySchema | undefined {
  const d = def(s);
  switch (d.type) {
    case 'object':
      return d.shape[seg as string];
    case 'record':
      return d.valueType;
    case 'array':
      return typeof seg === 'number' ? d.element : undefined;
    case 'union': {
      for (const o of d.options as AnySchema[]) {
        const c = childSchema(unwrap(o), seg);
        if (c) return c;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Keys an object schema accepts (empty when the schema is not an object). */
export function knownKeys(s: AnySchema | undefined): string[] {
  if (!s) return [];
  const d = def(unwrap(s));
  if (d.type === 'object') return Object.keys(d.shape);
  if (d.type === 'union') return [...new Set((d.options as AnySchema[]).flatMap((o) => knownKeys(o)))];
  return [];
}

/** "did you mean `recall`?" for a key within edit distance 2 (or 1 for short keys). */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = key.toLowerCase().replace(/-/g, '_');
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  const best = closest(lower, [...candidates]);
  const limit = key.length <= 4 ? 1 : 2;
  return distance(lower, best) <= limit ? best : undefined;
}
