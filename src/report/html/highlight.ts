import { REGEX_LITERAL } from '../../schema/primitives.ts';
import { esc } from './escape.ts';

/** A text a turn expects to find (`recall`) or not (`forget`) in its prompt. */
export interface Needle {
  expected: string;
  kind: 'recall' | 'forget';
}

const MAX_MARKS = 50;

/** Where a needle occurs in a text: `Ada` as written, `/ada/i` as a regular expression. */
export function findAll(text: string, expected: string): [number, number][] {
  const m = REGEX_LITERAL.exec(expected);
  const out: [number, number][] = [];
  if (!m) {
    if (expected === '') return out;
    for (let i = text.indexOf(expected); i >= 0 && out.length < MAX_MARKS; i = text.indexOf(expected, i + 1))
      out.push([i, i + expected.length]);
    return out;
  }
  let re: RegExp;
  try {
    re = new RegExp(m[1] ?? '', `${(m[2] ?? '').replace(/[gy]/g, '')}g`);
  } catch {
    return out;
  }
  for (const hit of text.matchAll(re)) {
    if (hit[0].length === 0) continue;
    out.push([hit.index, hit.index + hit[0].length]);
    if (out.length >= MAX_MARKS) break;
  }
  return out;
}

/** The text, escaped, with each needle found wrapped in `<mark>` (a recall's fact: `hit`; a fact that must be forgotten: `leak`). */
export function highlight(text: string, needles: readonly Needle[]): string {
  const ranges: { start: number; end: number; cls: string; title: string }[] = [];
  for (const n of needles)
    for (const [start, end] of findAll(text, n.expected))
      ranges.push({
        start,
        end,
        cls: n.kind === 'recall' ? 'hit' : 'leak',
        title: `${n.kind} ${n.expected}`,
      });
  ranges.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const r of ranges) {
    if (r.start < at) continue;
    out += `${esc(text.slice(at, r.start))}<mark class="${r.cls}" title="${esc(r.title)}">${esc(text.slice(r.start, r.end))}</mark>`;
    at = r.end;
  }
  return out + esc(text.slice(at));
}
