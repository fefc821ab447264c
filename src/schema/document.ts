import { isMap, isNode, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { InputProblem } from '../errors.ts';
import { knownKeys, schemaAt, suggestKey } from './keys.ts';

/** A YAML document parsed with positions, so that any path in it can be pointed at. */
export class SourceDocument {
  readonly file: string;
  readonly doc: ReturnType<typeof parseDocument>;
  private readonly lines: LineCounter;

  constructor(file: string, source: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(source, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** 1-based line and column of the node at `path`; the nearest existing parent when it is missing. */
  position(path: readonly PropertyKey[], which: 'value' | 'key' = 'value'): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      if (which === 'key' && n === path.length && n > 0) {
        const parent = sub.length > 1 ? this.doc.getIn(sub.slice(0, -1), true) : this.doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find(
            (p) => isPair(p) && isScalar(p.key) && p.key.value === sub[sub.length - 1],
          );
          const key = pair?.key;
          if (isNode(key) && key.range) {
            const pos = this.lines.linePos(key.range[0]);
            return { line: pos.line, column: pos.col };
          }
        }
        continue;
      }
      const node = sub.length === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      if (isNode(node) && (node as Node).range) {
        const [start] = (node as Node).range as [number, number, number];
        const pos = this.lines.linePos(start);
        return { line: pos.line, column: pos.col };
      }
    }
    return { line: 1, column: 1 };
  }

  /** `line`/`col` → `{ line, column }` for a problem at `path`. */
  problem(
    path: readonly PropertyKey[],
    message: string,
    hint?: string,
    which: 'value' | 'key' = 'value',
  ): InputProblem {
    const { line, column } = this.position(path, which);
    return { file: this.file, line, column, field: formatPath(path), message, ...(hint ? { hint } : {}) };
  }

  syntaxProblems(): InputProblem[] {
    return this.doc.errors.map((e) => {
      const pos = this.lines.linePos(e.pos[0]);
      return {
        file: this.file,
        line: pos.line,
        column: pos.col,
        field: '',
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
        hint: syntaxHint(e.code, e.message),
      };
    });
  }
}

function syntaxHint(code: string, message: string): string {
  if (/tab/i.test(message)) return 'indent with spaces, not tabs';
  if (code === 'DUPLICATE_KEY') return 'each key may appear once in a map; remove or rename the second one';
  if (code === 'BAD_INDENT' || /indent/i.test(message))
    return 'check the indentation: items of one list or map start in the same column';
  if (code === 'MISSING_CHAR' || code === 'BAD_SCALAR_START')
    return 'quote the text if it contains `:`, `#`, `{` or starts with a special character';
  return 'check the YAML syntax near this line (quote texts that contain `: ` or `#`)';
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

/**
 * A union whose options are told apart by which key a map has (`user:` vs `restart:`).
 * Registered so that an error inside one option is reported against that option alone,
 * rather than as zod's "invalid input" for the whole union.
 */
export interface KeyedUnion {
  union: z.ZodType;
  kinds: Record<string, z.ZodType>;
  what: string;
}

/** Validate `value` against `schema`; every problem is mapped to a file position. */
export function validateAgainst<T>(
  src: SourceDocument,
  value: unknown,
  schema: z.ZodType<T>,
  keyed: readonly KeyedUnion[] = [],
  base: readonly PropertyKey[] = [],
): { data?: T; problems: InputProblem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data, problems: [] };
  const problems: InputProblem[] = [];
  for (const issue of result.error.issues) {
    const path = [...base, ...(issue.path as PropertyKey[])];
    const local = issue.path as PropertyKey[];
    const at = valueAt(value, local);
    if (issue.code === 'unrecognized_keys') {
      // A key another kind of a keyed union takes (`during:` beside `wait:`): judge it by its kind.
      const k = keyed.find((u) => u.union === schemaAt(schema, local));
      if (k && at && typeof at === 'object' && !Array.isArray(at)) {
        problems.push(...validateKeyed(src, at as Record<string, unknown>, k, path));
        continue;
      }
      const candidates = knownKeys(schemaAt(schema, local));
      for (const key of issue.keys) {
        const guess = suggestKey(key, candidates);
        problems.push(
          src.problem(
            [...path, key],
            `unknown key \`${key}\`${guess ? ` — did you mean \`${guess}\`?` : ''}`,
            candidates.length ? `allowed here: ${candidates.map((c) => `\`${c}\``).join(', ')}` : undefined,
            'key',
          ),
        );
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const unionSchema = schemaAt(schema, local);
      const k = keyed.find((u) => u.union === unionSchema);
      if (k && at && typeof at === 'object' && !Array.isArray(at)) {
        problems.push(...validateKeyed(src, at as Record<string, unknown>, k, path));
        continue;
      }
      problems.push(src.problem(path, `${issue.message}; found ${describeValue(at)}`));
      continue;
    }
    if (issue.code === 'invalid_type') {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (at === undefined) {
        problems.push(
          src.problem(
            path,
            `missing \`${String(local[local.length - 1] ?? 'value')}\`: ${customOr(issue.message, `expected ${expected}`)}`,
          ),
        );
      } else {
        problems.push(
          src.problem(path, `${customOr(issue.message, `expected ${expected}`)}; found ${describeValue(at)}`),
        );
      }
      continue;
    }
    problems.push(
      src.problem(
        path,
        issue.message + (issue.code === 'invalid_value' ? `; found ${describeValue(at)}` : ''),
      ),
    );
  }
  return { problems };
}

function customOr(message: string, fallback: string): string {
  return message.startsWith('Invalid input') ? fallback : message;
}

function validateKeyed(
  src: SourceDocument,
  obj: Record<string, unknown>,
  k: KeyedUnion,
  path: PropertyKey[],
): InputProblem[] {
  const keys = Object.keys(obj);
  const present = Object.keys(k.kinds).filter((kind) => keys.includes(kind));
  const list = Object.keys(k.kinds)
    .map((x) => `\`${x}\``)
    .join(', ');
  if (present.length === 0) {
    const guesses = keys
      .map((key) => [key, suggestKey(key, Object.keys(k.kinds))] as const)
      .filter(([, g]) => g);
    const first = guesses[0];
    if (first) {
      return [
        src.problem(
          [...path, first[0]],
          `unknown key \`${first[0]}\` — did you mean \`${first[1]}\`?`,
          `${k.what} has one of ${list}`,
          'key',
        ),
      ];
    }
    return [
      src.problem(
        path,
        `${k.what} needs one of ${list}; found keys ${keys.map((x) => `\`${x}\``).join(', ') || 'none'}`,
      ),
    ];
  }
  // The first kind in declared order wins; another kind's key is only an error if the chosen one does not take it.
  const kind = present[0] as string;
  const chosen = k.kinds[kind] as z.ZodType;
  const clash = present.filter((p) => p !== kind && !knownKeys(chosen).includes(p));
  if (clash.length > 0) {
    return [
      src.problem(
        path,
        `${k.what} does one thing, but has ${[kind, ...clash].map((x) => `\`${x}\``).join(' and ')}`,
        'split it into separate items',
      ),
    ];
  }
  // A key of another kind (`during:` beside `wait:`): say which kinds take it.
  const misplaced = keys.flatMap((key) => {
    if (knownKeys(chosen).includes(key)) return [];
    const takers = Object.entries(k.kinds)
      .filter(([, schema]) => knownKeys(schema).includes(key))
      .map(([name]) => `\`${name}\``);
    return takers.length
      ? [
          src.problem(
            [...path, key],
            `\`${key}\` does not go with \`${kind}\``,
            `only ${takers.join(', ')} take \`${key}\``,
            'key',
          ),
        ]
      : [];
  });
  if (misplaced.length > 0) return misplaced;
  return validateAgainst(src, obj, chosen, [k], path).problems;
}
