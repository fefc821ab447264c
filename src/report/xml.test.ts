import { describe, expect, it } from 'vitest';
import { parseXml } from '../../test/support/xml-check.ts';
import { attr, cdata, serialize, stripForbidden, text } from './xml.ts';

const nasty = 'a<b>&c"d\'e\u0000f\u0007g\u001bh\uFFFEi\uD800j\tk\nl]]>m 😀';
const stripped = 'a<b>&c"d\'efgh' + 'ij\tk\nl]]>m 😀';

describe('xml escaping', () => {
  it('strips the characters XML 1.0 forbids and keeps the rest', () => {
    expect(stripForbidden(nasty)).toBe(stripped);
  });

  it('escapes markup and quotes in attributes, keeping whitespace as references', () => {
    expect(attr('<&"\'>\n')).toBe('&lt;&amp;&quot;&apos;&gt;&#10;');
  });

  it('round-trips attributes, text and CDATA through a strict reader', () => {
    const xml = serialize({
      name: 'root',
      attrs: { value: nasty },
      children: [
        { name: 't', content: text(nasty) },
        { name: 'c', content: cdata(nasty) },
      ],
    });
    const root = parseXml(xml);
    expect(root.attrs.value).toBe(stripped);
    expect(root.children[0]?.text).toBe(stripped);
    expect(root.children[1]?.text).toBe(stripped);
  });

  it('splits ]]> so a CDATA section cannot be closed early', () => {
    expect(cdata('x]]>y')).toBe('<![CDATA[x]]]]><![CDATA[>y]]>');
  });

  it('writes empty elements self-closed and leaves out undefined attributes', () => {
    expect(serialize({ name: 'a', attrs: { b: undefined, c: 1 } })).toBe('<a c="1"/>');
  });
});

describe('the strict reader used by the tests', () => {
  it.each([
    ['<a><b></a>', 'mismatched tags'],
    ['<a x="1" x="2"/>', 'a repeated attribute'],
    ['<a x="<"/>', 'a raw < in an attribute'],
    ['<a>&</a>', 'a bare ampersand'],
    ['<a>&nbsp;</a>', 'an unknown entity'],
    ['<a>\u0007</a>', 'a forbidden character'],
    ['<a>&#7;</a>', 'a reference to a forbidden character'],
    ['<a>]]></a>', ']]> in text'],
    ['<a/><b/>', 'two roots'],
    ['<a><![CDATA[x</a>', 'an unclosed CDATA'],
  ])('rejects %s (%s)', (xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
