import { createHash } from 'node:crypto';

/**
 * Accents dropped, lowercase, every run of characters other than `a-z0-9` turned into one `-`, trimmed of `-`, cut
 * at `maxLength`. Lossy: `Alice` and `alice` give the same slug (`sessionId` adds a hash for that).
 * @example slugify('Remembers the user!') // 'remembers-the-user'
 */
export function slugify(text: string, maxLength = 40): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/**
 * An id unique to a run, a scenario (or other scope) and a chat session, and stable for the same
 * three: `amn-<run>-<scope>-<session>`, each part slugified and at most 40 characters. It only
 * holds `[a-z0-9-]`, so it is safe in URLs, JSON, headers, file names and SQL values.
 *
 * When the parts cannot be read back from the id — a slug differs from its name (`Alice` vs
 * `alice`, a long scenario name), a part is empty, or a name holds `-` (`a-b`+`c` vs `a`+`b-c`) —
 * 8 hex characters of a SHA-256 of the three names are appended, so different names never share
 * an id (short of a 32-bit collision).
 * @example sessionId('k3x9', 'remembers name', 'main') // 'amn-k3x9-remembers-name-main-1f0c…'
 * @example sessionId('k3x9', 'pets', 'alice') // 'amn-k3x9-pets-alice'
 */
export function sessionId(runId: string, scope: string, session: string): string {
  const names = [runId, scope, session];
  const slugs = names.map((name) => slugify(name) || 'x');
  const readable = names.every((name, i) => name === slugs[i] && !name.includes('-'));
  const id = ['amn', ...slugs].join('-');
  if (readable) return id;
  const hash = createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 8);
  return `${id}-${hash}`;
}
