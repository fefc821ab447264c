import { RE2JS, RE2JSException } from 're2js';

/**
 * Users' regular expressions (recall, forget, reply matches, `ready.log`) run in RE2 (re2js, a pure
 * JavaScript port): matching takes time linear in the text for a given pattern, so no pattern can
 * stall the event loop, the timeouts or the signal handlers the way a backtracking `(a|a)*c` does
 * in JavaScript's engine. The price: no backreferences and no lookaround, refused here with the
 * reason, and a bound on a pattern's size (RE2's program size), since the time is linear in the
 * text times the size of the pattern.
 */
export interface LinearRegex {
  test(text: string): boolean;
}

/** The largest RE2 program a pattern may compile to: about 1,000 characters of plain pattern. */
export const MAX_PROGRAM_SIZE = 1000;

/** Why a pattern cannot run in the linear-time engine, and where (0-based, in the pattern; -1: the whole of it). */
export class RegexSyntaxError extends Error {
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.name = 'RegexSyntaxError';
    this.index = index;
  }
}

const WHY = 'amnesia matches in linear time (RE2), which has no';

/**
 * Compiles a JavaScript-style pattern and flags (`i`, `m`, `s`; `u`, `v`, `d`, `g`, `y` change
 * nothing here) for RE2. `\uXXXX` and `\u{X}` are read as in JavaScript.
 *
 * @throws RegexSyntaxError naming what is not supported, and where
 */
export function compileLinear(pattern: string, flags = ''): LinearRegex {
  const source = translate(pattern);
  let flagBits = 0;
  if (flags.includes('i')) flagBits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) flagBits |= RE2JS.MULTILINE;
  if (flags.includes('s')) flagBits |= RE2JS.DOTALL;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, flagBits);
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    const fragment = (e as { input?: unknown }).input;
    const at = typeof fragment === 'string' && fragment !== '' ? pattern.indexOf(fragment) : -1;
    const what = (e as { error?: unknown }).error;
    throw new RegexSyntaxError(
      typeof what === 'string'
        ? `${what}${typeof fragment === 'string' ? `: \`${fragment}\`` : ''}`
        : e.message,
      at,
    );
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new RegexSyntaxError(
      `it is too large to match quickly: its RE2 program has ${size} instructions, over the limit of ${MAX_PROGRAM_SIZE} (matching takes time proportional to the text times that size); shorten it or split it into several expectations`,
      -1,
    );
  }
  return { test: (text) => re.test(text) };
}

/**
 * The pattern in RE2's syntax: JavaScript's `\u` escapes become `\x{…}`; backreferences, lookaround
 * and `\c` control escapes are refused, each with its position and the reason.
 */
function translate(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'u') {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(pattern.slice(i + 2));
        const plain = /^[0-9a-fA-F]{4}/.exec(pattern.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        if (plain) {
          out += `\\x{${plain[0]}}`;
          i += 5;
          continue;
        }
      }
      if (!inClass && /[1-9]/.test(next))
        throw new RegexSyntaxError(`\`\\${next}\` is a backreference, and ${WHY} backreferences`, i);
      if (!inClass && next === 'k' && pattern[i + 2] === '<')
        throw new RegexSyntaxError(`\`\\k<…>\` is a backreference, and ${WHY} backreferences`, i);
      if (next === 'c')
        throw new RegexSyntaxError(`\`\\c\` control escapes are not supported: write \`\\x01\`… instead`, i);
      if (inClass && next === 'b') {
        out += '\\x08';
        i += 1;
        continue;
      }
      out += c + next;
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      // JavaScript's `[]` matches nothing and `[^]` anything; in RE2 a `]` there is a literal.
      if (pattern.startsWith('[]', i) || pattern.startsWith('[^]', i)) {
        const negated = pattern[i + 1] === '^';
        out += negated ? '[\\x{0}-\\x{10FFFF}]' : '[^\\x{0}-\\x{10FFFF}]';
        i += negated ? 2 : 1;
        continue;
      }
      inClass = true;
    } else if (c === '(') {
      const look = /^\(\?(<?[=!])/.exec(pattern.slice(i));
      if (look) {
        const kind = look[1]?.startsWith('<') ? 'lookbehind' : 'lookahead';
        throw new RegexSyntaxError(
          `\`${look[0]}…)\` is a ${kind}, and ${WHY} lookaround: match the text itself instead`,
          i,
        );
      }
    }
    out += c;
  }
  return out;
}
