// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from the app or the user, safe to print: terminal escape sequences and control characters
 * (but newlines and tabs) removed, so an app's output cannot recolour or rewrite the report.
 */
export function plain(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL, '');
}

/** One line: control characters removed, whitespace runs (newlines included) collapsed to one space, trimmed. */
export function oneLine(text: string): string {
  return plain(text).replace(/\s+/g, ' ').trim();
}

/** `text` cut to `max` characters with `…` (whole code points, so no lone surrogate is left). */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : text;
}

/**
 * `text` cut to at most `max` characters at a word boundary, with `…`: a reason read at a glance
 * never ends mid-word. A single word longer than a third of `max` (a URL, a path) is cut where it
 * must be.
 */
export function clipWords(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, Math.max(0, max - 1)).join('');
  const space = chars[max - 1] === ' ' ? head.length : head.lastIndexOf(' ');
  const cut =
    space > 0 && Array.from(head.slice(0, space)).length >= (max * 2) / 3 ? head.slice(0, space) : head;
  return `${cut.replace(/[\s,;:.(]+$/, '')}…`;
}

/** One line of at most `max` characters: the first line of an error message, a prompt message. */
export function brief(text: string, max: number): string {
  return clip(oneLine(text), max);
}

/** The first non-empty line. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

/** `1 scenario`, `3 scenarios`; `plural(2, 'leak')`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A matcher as written, quoted unless it is a regular expression: `"Ada"`, `/ada/i`. */
export function quoted(expected: string): string {
  return /^\/.*\/[a-z]*$/s.test(expected) ? expected : `"${expected}"`;
}

/**
 * The start of a text for an error message: one line (so an HTML page stays on one line), cut at
 * `max` characters with `…`, and `(empty body)` for nothing.
 */
export function excerpt(text: string, max = 300): string {
  const flat = oneLine(text);
  if (flat === '') return '(empty body)';
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
