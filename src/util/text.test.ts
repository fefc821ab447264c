import { describe, expect, it } from 'vitest';
import { formatDuration, seconds } from './duration.ts';
import { clip, clipWords, oneLine, plain, quoted } from './text.ts';

describe('formatDuration', () => {
  it.each([
    [84.4, '84 ms'],
    [999.6, '1000 ms'],
    [1234, '1.2 s'],
    [12_345, '12.3 s'],
    [125_000, '2 min 05 s'],
    [Number.NaN, '? ms'],
  ])('%s ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('gives JUnit seconds with milliseconds', () => {
    expect(seconds(84)).toBe('0.084');
    expect(seconds(-1)).toBe('0.000');
  });
});

describe('text', () => {
  it('removes terminal escapes and control characters but keeps newlines and tabs', () => {
    expect(plain('\u001b[1;31mred\u001b[0m\u0007 \u001b]0;title\u0007ok\tand\nmore\u009b')).toBe(
      'red ok\tand\nmore',
    );
  });

  it('collapses whitespace to one line', () => {
    expect(oneLine('  a\n\n b\t c  ')).toBe('a b c');
  });

  it('cuts on code points, never leaving half an emoji', () => {
    expect(clip('ab😀😀', 3)).toBe('ab…');
    expect(clip('ab😀', 3)).toBe('ab😀');
  });

  it('cuts a reason at a word boundary, and a long word where it must', () => {
    const reason = 'the worker closed the connection without answering after the restart';
    expect(clipWords(reason, 40)).toBe('the worker closed the connection…');
    expect(clipWords(reason, 200)).toBe(reason);
    expect(clipWords('see https://example.com/a/very/long/path/that/goes/on', 20)).toBe(
      'see https://example…',
    );
    expect(clipWords('one, two, three four', 12)).toBe('one, two…');
    for (const max of [10, 25, 37, 50])
      expect(Array.from(clipWords(reason, max)).length).toBeLessThanOrEqual(max);
  });

  it('quotes text and leaves a regular expression as written', () => {
    expect(quoted('Ada')).toBe('"Ada"');
    expect(quoted('/ada/i')).toBe('/ada/i');
  });
});
