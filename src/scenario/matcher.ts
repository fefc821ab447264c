import { REGEX_LITERAL } from '../schema/primitives.ts';
import type { Matcher, SourceLocation } from './types.ts';

/** `Ada` matches the text as written (case-sensitive); `/ada/i` is a regular expression. */
export function createMatcher(source: string, at: SourceLocation): Matcher {
  const m = REGEX_LITERAL.exec(source);
  if (!m) return { source, at, test: (text) => text.includes(source) };
  const re = new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[gy]/g, ''));
  return { source, at, test: (text) => re.test(text) };
}
