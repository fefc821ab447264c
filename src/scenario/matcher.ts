import { AmnesiaError } from '../errors.ts';
import { REGEX_LITERAL } from '../schema/primitives.ts';
import { compileLinear, RegexSyntaxError } from '../util/linear-regex.ts';
import type { Matcher, SourceLocation } from './types.ts';

/** `Ada` matches the text as written (case-sensitive); `/ada/i` is a regular expression. */
export function createMatcher(source: string, at: SourceLocation): Matcher {
  const m = REGEX_LITERAL.exec(source);
  if (!m) return { source, at, test: (text) => text.includes(source) };
  // Linear time (RE2): a user's pattern can never stall the run (validate refuses what RE2 cannot run;
  // a RegExp given in code, e.g. to toRecall, is refused here).
  try {
    const re = compileLinear(m[1] ?? '', m[2] ?? '');
    return { source, at, test: (text) => re.test(text) };
  } catch (e) {
    if (!(e instanceof RegexSyntaxError)) throw e;
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `${at.file}:${at.line}:${at.column} ${source} cannot be used${e.index >= 0 ? ` (at its character ${e.index + 2})` : ''}: ${e.message}`,
    );
  }
}
