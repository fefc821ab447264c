import path from 'node:path';

/**
 * `value` (a result, plain data) with every absolute path under `root` made relative to it, with
 * `/`: a string that is such a path, and such a path inside a text (an error message naming a
 * file). A report then reads the same in any checkout: merged in a job whose workspace differs,
 * its files still point into the repository. Paths outside `root` stay as they are.
 */
export function relativePaths<T>(value: T, root: string | undefined): T {
  if (!root || !path.isAbsolute(root)) return value;
  const base = path.resolve(root);
  const prefix = base.endsWith(path.sep) ? base : `${base}${path.sep}`;
  // Only where a path starts: not inside a longer one (`/other/work/app/…` for root `/work/app`).
  const inText = new RegExp(`(?<![\\w.~/-])${escapeRegExp(prefix)}`, 'g');
  const text = (s: string): string => (s === base ? '.' : s.includes(prefix) ? s.replace(inText, '') : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
