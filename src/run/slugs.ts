import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { slugify } from '../client/index.ts';
import type { Scenario } from '../scenario/types.ts';

/** Slugs the probe ladder uses for its own folders and LLM scopes: no user scenario gets one. */
export const LADDER_SLUG_PREFIX = 'probe-ladder';

/**
 * One folder-and-scope name per scenario: never empty (a name in a non-Latin script slugifies to
 * nothing: it gets `scenario-<hash>`), never the probe ladder's, and unique within the run.
 */
export function assignSlugs(scenarios: readonly Scenario[]): Map<Scenario, string> {
  const taken = new Set<string>();
  const out = new Map<Scenario, string>();
  for (const s of scenarios) {
    let base = slugify(s.name) || `scenario-${createHash('sha256').update(s.name).digest('hex').slice(0, 8)}`;
    if (base.startsWith(LADDER_SLUG_PREFIX)) base = `scenario-${base}`;
    let slug = base;
    for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
    taken.add(slug);
    out.set(s, slug);
  }
  return out;
}

/** Remove a folder only when it is strictly inside `parent`: a bad name must never delete a whole tree. */
export async function removeInside(parent: string, dir: string): Promise<void> {
  const rel = path.relative(parent, dir);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`refusing to remove ${dir}: it is not inside ${parent}`);
  }
  await rm(dir, { recursive: true, force: true });
}
