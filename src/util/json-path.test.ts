import { describe, expect, it } from 'vitest';
import { getPath, parsePath } from './json-path.ts';

const doc = {
  answer: 'hi',
  nested: { deep: { text: 'deep' } },
  items: [{ name: 'first' }, { name: 'second' }],
  'key with space': 1,
  "it's": 'quoted',
  'content-type': 'dash',
  zero: 0,
  nothing: null,
  flag: false,
  obj: { a: [1, 2] },
};

describe('getPath', () => {
  it.each([
    ['$', doc],
    ['$.answer', 'hi'],
    ['$.nested.deep.text', 'deep'],
    ['$.items[0].name', 'first'],
    ['$.items[-1].name', 'second'],
    ["$['key with space']", 1],
    ['$["key with space"]', 1],
    ["$['it\\'s']", 'quoted'],
    ['$.content-type', 'dash'],
    ["$['nested'].deep['text']", 'deep'],
    ['$.zero', 0],
    ['$.nothing', null],
    ['$.flag', false],
    ['$.obj', { a: [1, 2] }],
    ['$.obj.a[1]', 2],
  ])('finds %s', (path, value) => {
    expect(getPath(doc, path)).toEqual({ found: true, value });
  });

  it.each([
    '$.missing',
    '$.nested.missing.text',
    '$.items[2]',
    '$.items[-3]',
    '$.items.name',
    '$.obj[0]',
    '$.answer.length',
    '$.nothing.below',
    '$.constructor',
    '$.__proto__',
    "$['toString']",
  ])('reports %s as missing', (path) => {
    expect(getPath(doc, path)).toEqual({ found: false });
  });

  it('looks paths up in arrays and scalars at the root', () => {
    expect(getPath(['a', 'b'], '$[1]')).toEqual({ found: true, value: 'b' });
    expect(getPath('text', '$')).toEqual({ found: true, value: 'text' });
    expect(getPath('text', '$.a')).toEqual({ found: false });
  });

  it.each([
    'answer',
    '$.',
    '$..answer',
    '$.*',
    '$[*]',
    '$.items[0:1]',
    '$.items[?(@.name == "x")]',
    "$['unterminated]",
    '$.a b',
    '$[abc]',
  ])('throws for the unsupported path %s, naming it', (path) => {
    expect(() => getPath(doc, path)).toThrow(`invalid JSON path \`${path}\``);
  });

  it('accepts pre-parsed segments', () => {
    const segments = parsePath('$.items[1].name');
    expect(segments).toEqual([
      { kind: 'name', name: 'items' },
      { kind: 'index', index: 1 },
      { kind: 'name', name: 'name' },
    ]);
    expect(getPath(doc, segments)).toEqual({ found: true, value: 'second' });
  });
});
