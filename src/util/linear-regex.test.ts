import { describe, expect, it } from 'vitest';
import { compileLinear, MAX_PROGRAM_SIZE, RegexSyntaxError } from './linear-regex.ts';

const refusal = (pattern: string, flags = '') => {
  try {
    compileLinear(pattern, flags);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return { index: e.index, message: e.message };
    throw e;
  }
  return undefined;
};

describe('compileLinear', () => {
  it('matches what JavaScript would, with the flags i, m and s', () => {
    expect(compileLinear('ada', 'i').test('I am ADA.')).toBe(true);
    expect(compileLinear('^b$', 'm').test('a\nb\nc')).toBe(true);
    expect(compileLinear('^b$').test('a\nb\nc')).toBe(false);
    expect(compileLinear('a.b', 's').test('a\nb')).toBe(true);
    expect(compileLinear('a.b').test('a\nb')).toBe(false);
    expect(compileLinear('(?<name>\\d{3})-\\w+\\b', 'gy').test('call 555-ada now')).toBe(true);
    expect(compileLinear('\\u0041\\u{1F600}').test('A😀')).toBe(true);
    expect(compileLinear('[\\b]').test('\b')).toBe(true);
    expect(compileLinear('x[]').test('x]')).toBe(false);
    expect(compileLinear('x[^]y').test('x\ny')).toBe(true);
  });

  it('answers at once where a backtracking engine never would: (a|a)*c over 44 a', () => {
    expect(compileLinear('(a|a)*c').test('a'.repeat(44))).toBe(false);
    expect(compileLinear('^(a+)+$').test(`${'a'.repeat(44)}!`)).toBe(false);
  });

  it('refuses backreferences and lookaround, saying where and why', () => {
    expect(refusal('(a)\\1')).toEqual({
      index: 3,
      message:
        '`\\1` is a backreference, and amnesia matches in linear time (RE2), which has no backreferences',
    });
    expect(refusal('(?<n>a)\\k<n>')?.index).toBe(7);
    expect(refusal('Ada(?= Lovelace)')).toEqual({
      index: 3,
      message:
        '`(?=…)` is a lookahead, and amnesia matches in linear time (RE2), which has no lookaround: match the text itself instead',
    });
    expect(refusal('(?<!x)Ada')?.message).toMatch(/^`\(\?<!…\)` is a lookbehind/);
    expect(refusal('[(?=]x')).toBeUndefined(); // inside a class it is plain text
  });

  it('refuses a pattern too large to match quickly, e.g. 5,000 `a?` then 5,000 `a`', () => {
    const huge = `${'a?'.repeat(5000)}${'a'.repeat(5000)}`;
    expect(refusal(huge)).toEqual({
      index: -1,
      message: expect.stringMatching(
        new RegExp(
          `^it is too large to match quickly: its RE2 program has \\d+ instructions, over the limit of ${MAX_PROGRAM_SIZE}`,
        ),
      ),
    });
  });

  it("passes RE2's own refusals on, with the position of the fragment", () => {
    expect(refusal('ab\\Z')).toEqual({ index: 2, message: 'invalid escape sequence: `\\Z`' });
  });
});
