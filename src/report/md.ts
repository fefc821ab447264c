import { oneLine } from '../util/text.ts';

/**
 * Prose from the data (names, messages) for GitHub Markdown: Markdown and HTML syntax
 * backslash-escaped, table pipes escaped, one line, and `@name` broken with a zero-width space
 * so a PR comment never pings anyone (the way Renovate does it).
 */
export function mdText(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@(?=\w)/g, '@&#8203;');
}

/** A code span that holds any text: the fence is longer than any backtick run inside; pipes escaped for tables. */
export function mdCode(text: string): string {
  const flat = oneLine(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block that holds any text (multi-line kept). */
export function mdFence(text: string, lang = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Text inside an HTML element (`<summary>`). */
export function htmlText(text: string): string {
  return oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=\w)/g, '@&#8203;');
}
