// A deliberately small subset of JSONPath (RFC 9535): `$`, `.name`, `['name']` / `["name"]` and
// `[index]` (negative counts from the end). amnesia only needs to look one value up. Full JSONPath
// libraries evaluate filter and script expressions (`?(@.price < 10)`), which several of them run
// through `eval`/`new Function`: a code-injection risk for a path read from a config file, and a
// feature nothing here needs. Wildcards, slices, recursive descent and filters are rejected.

import { AmnesiaError } from '../errors.ts';

/** One step of a parsed path: an object member or an array index. */
export type PathSegment = { kind: 'name'; name: string } | { kind: 'index'; index: number };

export type PathLookup = { found: true; value: unknown } | { found: false };

const NAME = /^[\p{L}\p{N}_-]+/u;
const INDEX = /^\[(-?\d+)\]/;
const QUOTED = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

/**
 * Parses a path such as `$.items[0].name` or `$['key with space']`.
 * @throws Error naming the path when it is outside the supported subset.
 */
export function parsePath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw invalid(path, 'it does not start with `$`');
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (name === undefined) throw invalid(path, `expected a member name after \`.\` at \`${rest}\``);
      segments.push({ kind: 'name', name });
      rest = rest.slice(1 + name.length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      segments.push({ kind: 'index', index: Number(index[1]) });
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = QUOTED.exec(rest);
    if (quoted) {
      segments.push({ kind: 'name', name: unescapeQuoted(quoted[1] ?? quoted[2] ?? '') });
      rest = rest.slice(quoted[0].length);
      continue;
    }
    throw invalid(path, `unsupported syntax at \`${rest}\``);
  }
  return segments;
}

/**
 * Looks `path` up in a parsed JSON value. Members are own properties only, so `$.constructor`
 * is missing rather than `Object`.
 * @example getPath({ items: [{ name: 'a' }] }, '$.items[0].name') // { found: true, value: 'a' }
 * @throws Error naming the path when it is outside the supported subset.
 */
export function getPath(value: unknown, path: string | readonly PathSegment[]): PathLookup {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let current = value;
  for (const segment of segments) {
    if (segment.kind === 'index') {
      if (!Array.isArray(current)) return { found: false };
      const at = segment.index < 0 ? current.length + segment.index : segment.index;
      if (at < 0 || at >= current.length) return { found: false };
      current = current[at];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, segment.name)) return { found: false };
      current = (current as Record<string, unknown>)[segment.name];
    }
  }
  return { found: true, value: current };
}

function unescapeQuoted(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function invalid(path: string, why: string): Error {
  return new AmnesiaError(
    'AMNESIA_INVALID_INPUT',
    `invalid JSON path \`${path}\`: ${why}; amnesia supports \`$\`, \`$.a.b\`, \`$.items[0].name\` and \`$['key with space']\``,
  );
}
