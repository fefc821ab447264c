/** Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF): stripped, since no escape can carry them. */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripForbidden(text: string): string {
  return text.replace(FORBIDDEN, '');
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

/** An attribute value: markup and quotes escaped, and whitespace kept (parsers turn a raw newline into a space). */
export function attr(text: string): string {
  return stripForbidden(text).replace(/[&<>"'\n\r\t]/g, (c) => ENTITIES[c] ?? c);
}

/** Text content: markup escaped. */
export function text(value: string): string {
  return stripForbidden(value).replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** A CDATA section that stays one even when the text contains `]]>` (split across two sections). */
export function cdata(value: string): string {
  return `<![CDATA[${stripForbidden(value).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

export interface XmlElement {
  name: string;
  attrs?: Record<string, string | number | undefined>;
  /** Already escaped: `text()` or `cdata()`. Never re-indented. */
  content?: string;
  children?: XmlElement[];
}

/** Serializes a tree, children indented two spaces per level; content is written as it is. */
export function serialize(e: XmlElement, depth = 0): string {
  const pad = '  '.repeat(depth);
  const a = Object.entries(e.attrs ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join('');
  const children = e.children ?? [];
  if (children.length > 0)
    return `${pad}<${e.name}${a}>\n${children.map((c) => serialize(c, depth + 1)).join('\n')}\n${pad}</${e.name}>`;
  if (e.content) return `${pad}<${e.name}${a}>${e.content}</${e.name}>`;
  return `${pad}<${e.name}${a}/>`;
}
