/**
 * A tiny strict XML 1.0 reader for tests (the project has no XML parser and adds no dependency):
 * throws on anything not well-formed, and returns the tree with attributes and text decoded so
 * tests can check that escaping round-trips.
 */
export interface ParsedElement {
  name: string;
  attrs: Record<string, string>;
  children: ParsedElement[];
  /** Text and CDATA content, decoded and concatenated. */
  text: string;
}

const NAME = /^[A-Za-z_:][-\w.:]*/;
const VALID_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(xml: string): ParsedElement {
  if (!VALID_CHAR.test(xml)) throw new Error('a character XML 1.0 forbids');
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i] ?? '')) i++;
  };
  const name = () => {
    const m = NAME.exec(xml.slice(i));
    if (!m) fail('expected a name');
    i += m?.[0].length ?? 0;
    return m?.[0] ?? '';
  };
  const decode = (raw: string): string => {
    if (raw.includes('<')) fail('a raw < in text or an attribute');
    return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail(`a bare & in ${JSON.stringify(raw.slice(0, 40))}`);
      const named = PREDEFINED[ref];
      if (named) return named;
      const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (!num) return fail(`an unknown entity ${whole}`);
      const ch = String.fromCodePoint(num[1] ? Number.parseInt(num[1], 16) : Number(num[2]));
      if (!VALID_CHAR.test(ch)) fail(`a character reference to a forbidden character ${whole}`);
      return ch;
    });
  };

  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('an unclosed XML declaration');
    i = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;

  function element(): ParsedElement {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const el: ParsedElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const key = name();
      if (key in el.attrs) fail(`a repeated attribute ${key}`);
      if (xml[i] !== '=') fail('expected =');
      i++;
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") fail('expected a quoted value');
      const end = xml.indexOf(quote ?? '"', i + 1);
      if (end < 0) fail('an unclosed attribute value');
      el.attrs[key] = decode(xml.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      if (i >= xml.length) fail(`an unclosed <${el.name}>`);
      if (xml.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (xml[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (xml.startsWith('<![CDATA[', i)) {
        const end = xml.indexOf(']]>', i);
        if (end < 0) fail('an unclosed CDATA section');
        el.text += xml.slice(i + 9, end);
        i = end + 3;
      } else if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i);
        if (end < 0) fail('an unclosed comment');
        i = end + 3;
      } else if (xml[i] === '<') {
        el.children.push(element());
      } else {
        const next = xml.indexOf('<', i);
        const raw = xml.slice(i, next < 0 ? xml.length : next);
        if (raw.includes(']]>')) fail(']]> in text');
        el.text += decode(raw);
        i += raw.length;
      }
    }
  }
}
