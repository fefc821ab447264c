// The key reference of the docs, generated from the JSON Schemas that the zod schemas of src/schema/
// give (the ones editors read), so that it cannot drift from what the loader accepts.
// `npm run docs:reference` writes the files; test/docs/reference.test.ts fails when they differ.
import { configJsonSchema, scenarioJsonSchema } from '../src/schema/json-schema.ts';

/** A JSON Schema node, as far as the reference reads it. */
interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: Node | boolean;
  items?: Node;
  anyOf?: Node[];
  oneOf?: Node[];
}

interface Row {
  path: string;
  types: string[];
  required: boolean;
  fallback: string;
  description: string;
}

/** Patterns the primitives of src/schema/primitives.ts give, by the name a reader knows them by. */
const NAMED_PATTERNS: Record<string, string> = {
  '^(\\d+(?:\\.\\d+)?)(ms|s|m)$': 'duration',
  '^(\\d+(?:\\.\\d+)?)\\s*(B|kB|KB|KiB|MB|MiB)$': 'size',
  '^(?:all|r([1-9]\\d*)(?:w([1-9]\\d*))?)$': 'target',
  '^(all|r[1-9]\\d*)$': 'target',
  '^\\$(\\.[A-Za-z_$][\\w$-]*|\\[\\d+\\])*$': 'JSON path',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'variable name',
};

const branches = (n: Node): Node[] => [...(n.anyOf ?? []), ...(n.oneOf ?? [])];

function typeOf(n: Node): string[] {
  if (n.const !== undefined) return [`\`${JSON.stringify(n.const)}\``];
  if (n.enum) return n.enum.map((v) => `\`${JSON.stringify(v)}\``);
  if (branches(n).length > 0) return [...new Set(branches(n).flatMap(typeOf))];
  const type = Array.isArray(n.type) ? n.type.join(' or ') : n.type;
  if (type === 'string') return [(n.pattern && NAMED_PATTERNS[n.pattern]) || 'text'];
  if (type === 'array') return [`list of ${n.items ? typeOf(n.items).join(' or ') : 'anything'}`];
  if (type === 'object' && !n.properties && typeof n.additionalProperties === 'object')
    return [`map of ${typeOf(n.additionalProperties).join(' or ')}`];
  return [type ?? 'anything'];
}

/**
 * What the description says the default is: `… (default 30s).`, `(default: the config file folder)`
 * closing a sentence, a sentence `Default X.` / `Default: X.`, or the value a `(default)` follows
 * (`` `all` (default), a replica ``; a `(default: …)` inside a sentence explains that value).
 */
function fallbackOf(n: Node): string {
  if (n.default !== undefined) return `\`${JSON.stringify(n.default)}\``;
  const text = n.description ?? '';
  const closing = /\(default:? ((?:[^()]|\([^()]*\))*)\)(?=[.;]|$)/.exec(text);
  if (closing) return closing[1] ?? '';
  const sentence = /(?:^|[.;] )Default:? (.+?)(?:\.(?: |$)|;|$)/.exec(text);
  if (sentence) return sentence[1] ?? '';
  // `all` (default), spread (default: …): the value named just before.
  return /(`[^`]+`|[\w-]+) \(default[):]/.exec(text)?.[1] ?? '';
}

function add(rows: Map<string, Row>, path: string, n: Node, required: boolean): void {
  const row = rows.get(path);
  if (!row) {
    rows.set(path, {
      path,
      types: typeOf(n),
      required,
      fallback: fallbackOf(n),
      description: n.description ?? '',
    });
    return;
  }
  // The same key in several forms (a step's `restart: r1` and `restart: { target }`): one row.
  row.types = [...new Set([...row.types, ...typeOf(n)])];
  row.required &&= required;
  row.fallback ||= fallbackOf(n);
  row.description ||= n.description ?? '';
}

/**
 * Every key under `n`, depth first, as `a.b[].c` (`<name>` for the keys of a map). A shape met again
 * (a user turn inside `together:`, a list of JSON checks) gets one row that points at the first.
 */
function walk(n: Node, path: string, rows: Map<string, Row>, seen = new Map<string, string>()): void {
  if (n.properties) {
    const shape = JSON.stringify(n);
    const first = seen.get(shape);
    if (first !== undefined && first !== path) {
      const keys = Object.keys(n.properties).map((k) => `\`${k}\``);
      add(rows, `${path}.*`, {}, false);
      const row = rows.get(`${path}.*`) as Row;
      row.types = ['as above'];
      row.description = `The keys of \`${first}\`: ${keys.join(', ')}.`;
      return;
    }
    seen.set(shape, path);
  }
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    add(rows, at, child, n.required?.includes(key) ?? false);
    walk(child, at, rows, seen);
  }
  for (const b of branches(n)) walk(b, path, rows, seen);
  if (n.items) walk(n.items, `${path}[]`, rows, seen);
  if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.<name>`, rows, seen);
}

/**
 * Markdown table cell text: one line, pipes escaped, and no `<`/`>` a renderer could take for HTML
 * (outside code spans, which show entities as written).
 */
const cell = (s: string) =>
  s
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('')
    .trim();

function table(rows: Row[]): string {
  const lines = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  for (const r of rows) {
    const type = cell(r.types.join(' or ')) + (r.required ? ' (required)' : '');
    lines.push(`| \`${r.path}\` | ${type} | ${cell(r.fallback)} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

interface Page {
  file: string;
  title: string;
  intro: string;
  schema: () => Record<string, unknown>;
}

export const REFERENCE_PAGES: Page[] = [
  {
    file: 'docs/reference/config-keys.md',
    title: 'Config keys',
    intro:
      'Every key of `amnesia.config.yaml`, from the schema `amnesia validate` checks it with. The config page, [`amnesia.config.yaml`](./config.md), shows them in use.',
    schema: configJsonSchema,
  },
  {
    file: 'docs/reference/scenario-keys.md',
    title: 'Scenario keys',
    intro:
      'Every key of a scenario file, from the schema `amnesia validate` checks it with. `steps[]` are the keys of a step, whatever its kind; [Writing scenarios](./scenarios.md) shows them in use.',
    schema: scenarioJsonSchema,
  },
];

/** The page's Markdown, as `npm run docs:reference` writes it. */
export function renderReference(page: Page): string {
  const rows = new Map<string, Row>();
  walk(page.schema() as Node, '', rows);
  return [
    `<!-- Generated by \`npm run docs:reference\` from the schemas in src/schema/: do not edit. -->`,
    '',
    `# ${page.title}`,
    '',
    page.intro,
    '',
    // Descriptions name placeholders such as {{port}}: shown as written, not as Vue's.
    '<div v-pre>',
    '',
    table([...rows.values()]),
    '',
    '</div>',
    '',
  ].join('\n');
}
