import type { TurnRecord } from '../types/results.ts';
import { clip, plain } from '../util/text.ts';
import { failedOf, formatLocation, servedText } from './evidence.ts';
import { type Paint, painter } from './paint.ts';
import { promptExcerpt } from './prompt.ts';

const TAIL_LINES = 12;

/**
 * Why a turn failed, as lines (nested ones indented two spaces): where it ran and after what, each
 * failed check with where it was written and where the fact was said, the app's failure with its
 * output tail, and the prompt the LLM saw when a recall or forget failed.
 */
export function turnEvidence(t: TurnRecord, o: { paint?: Paint; cwd?: string } = {}): string[] {
  const paint = o.paint ?? painter(false);
  const out = [servedText(t)];
  const failed = failedOf(t);
  // Each failed check once: its message names what was expected and where the fact was said.
  for (const e of failed) {
    out.push(`  ${paint('red', '✗')} ${plain(e.message)}  ${paint('dim', formatLocation(e.at, o.cwd))}`);
  }
  if (t.failure) {
    if (!failed.some((e) => e.kind === 'answered'))
      out.push(`  ${paint('red', '✗')} ${t.failure.kind}: ${plain(t.failure.message)}`);
    const tail = t.failure.outputTail.slice(-TAIL_LINES);
    if (tail.length > 0) {
      out.push(`  ${paint('dim', `${t.worker} output (last ${tail.length} lines):`)}`);
      for (const l of tail) out.push(`    ${paint('dim', '│')} ${clip(plain(l).trimEnd(), 200)}`);
    }
  }
  if (failed.some((e) => ['recall', 'recall_recent', 'forget', 'answer_kept'].includes(e.kind))) {
    const p = promptExcerpt(t);
    out.push(`  ${paint('dim', p.title)}`);
    for (const l of p.lines) out.push(`    ${l}`);
  }
  return out;
}
