import type { RecordedLlmRequest } from '../llm/index.ts';
import type { TurnStep } from '../scenario/types.ts';
import type { VacuousRecall } from '../types/results.ts';
import { chatRequests } from './prompt.ts';

/**
 * A control: the turn's question asked in a fresh session before anything was said. Any recall
 * of the turn that already shows up in that request (a system prompt, static documents) would
 * pass without memory, so it proves nothing.
 */
export function findVacuous(step: TurnStep, control: readonly RecordedLlmRequest[]): VacuousRecall[] {
  const messages = chatRequests(control).flatMap((r) => r.messages);
  const found: VacuousRecall[] = [];
  for (const m of step.expect.recall) {
    const index = messages.findIndex((msg) => m.test(msg.content.split(step.user).join(' ')));
    if (index < 0) continue;
    const msg = messages[index] as { role: string; content: string };
    found.push({
      expected: m.source,
      at: m.at,
      question: step.user,
      foundIn: msg.role === 'system' ? 'the system message' : `message ${index + 1} (${msg.role})`,
      excerpt: around(msg.content, m.source),
    });
  }
  return found;
}

/** About 160 characters of `text` around where `source` was found. */
function around(text: string, source: string): string {
  const i = source.startsWith('/') ? 0 : text.indexOf(source);
  const start = Math.max(0, i - 60);
  const s = text.slice(start, start + 160).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${s}${start + 160 < text.length ? '…' : ''}`;
}
