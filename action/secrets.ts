import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { masker, secretValues as secretsInEnv } from '../src/topology/mask.ts';

/** Shorter values are left alone: masking `true` or `1234` everywhere would mangle every report. */
const MIN_LENGTH = 6;

/**
 * The values to keep out of everything the Action writes: the token, every environment value
 * whose name says it is a credential (OPENAI_API_KEY, ANTHROPIC_API_KEY, DB_PASSWORD, …), by the
 * same rule that keeps such variables from the app under test, and the credentials inside URL
 * values (`DATABASE_URL=postgres://u:hunter2@db` → `hunter2`), as the CLI masks them in worker logs.
 */
export function secretValues(env: NodeJS.ProcessEnv, token: string): string[] {
  return [...new Set([...(token.length >= MIN_LENGTH ? [token] : []), ...secretsInEnv(env)])];
}

/** Replaces each secret (and its JSON-escaped form), and the password of any URL, with `***`. */
export interface Redactor {
  text(s: string): string;
  /** A deep copy of plain data with every string redacted. */
  value<T>(v: T): T;
}

export function redactor(secrets: readonly string[]): Redactor {
  const text = masker(secrets);
  const value = <T>(v: T): T => {
    if (typeof v === 'string') return text(v) as T;
    if (Array.isArray(v)) return v.map(value) as T;
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), value(x)])) as T;
    return v;
  };
  return { text, value };
}

/** Redacts every file under `dir` in place (worker logs, LLM request logs, evidence, reports). */
export async function redactFiles(dir: string, redact: Redactor): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    },
  );
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const before = await readFile(file, 'utf8');
    const after = redact.text(before);
    if (after !== before) await writeFile(file, after);
  }
}
