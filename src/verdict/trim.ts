import type { TurnRecord } from '../types/results.ts';
import { chatRequests } from './prompt.ts';

/** A history that reached the LLM cut to its most recent messages. */
export interface TrimmedHistory {
  /** How many of the session's messages the prompt held: the most recent ones, in order. */
  messages: number;
  /** How many the session had said and heard by then. */
  of: number;
  /** The turns those messages came from, oldest first: `main#8`, `main#11`. */
  from: string;
  to: string;
  /** The step of the oldest turn the prompt still held (a fact said before it was trimmed away). */
  oldestStep: number;
  /** The turns the prompt held (turns sent at once share a step: the labels tell them apart). */
  held: string[];
}

interface HistoryMessage {
  role: 'user' | 'assistant';
  text: string;
  label: string;
  step: number;
}

/**
 * Whether the turn's prompt (its last chat request) holds the session's most recent messages in
 * order, and none older: the mark of a memory window or a token limit. System messages (the
 * system prompt, retrieved context) and the turn's own message are left out of the comparison; a
 * user message counts when the prompt holds its text (apps wrap it), an assistant message when it
 * is the reply that turn got. An empty history is not a trim: nothing was kept at all.
 */
export function trimmedHistory(
  turn: Pick<TurnRecord, 'user' | 'llm'>,
  earlier: readonly Pick<TurnRecord, 'user' | 'reply' | 'llm' | 'label' | 'step'>[],
): TrimmedHistory | undefined {
  const request = chatRequests(turn.llm).at(-1);
  if (!request) return undefined;
  const prompt = request.messages.filter((m) => m.role !== 'system');
  const own = prompt.findLastIndex((m) => m.role === 'user' && m.content.includes(turn.user));
  if (own >= 0) prompt.splice(own, 1);
  // Turns sent at once share a step and reach the store in either order: try the other one too.
  const swapped = [...earlier].reverse().sort((a, b) => a.step - b.step);
  return suffixOf(prompt, earlier) ?? suffixOf(prompt, swapped);
}

function suffixOf(
  prompt: readonly { role: string; content: string }[],
  earlier: readonly Pick<TurnRecord, 'user' | 'reply' | 'llm' | 'label' | 'step'>[],
): TrimmedHistory | undefined {
  const history: HistoryMessage[] = earlier.flatMap((t) => {
    const reply = chatRequests(t.llm).at(-1)?.reply ?? t.reply;
    const user: HistoryMessage = { role: 'user', text: t.user, label: t.label, step: t.step };
    return reply ? [user, { role: 'assistant', text: reply, label: t.label, step: t.step }] : [user];
  });
  if (prompt.length === 0 || prompt.length >= history.length) return undefined;
  const suffix = history.slice(history.length - prompt.length);
  const same = suffix.every((h, i) => {
    const m = prompt[i];
    if (!m || m.role !== h.role) return false;
    return h.role === 'user' ? m.content.includes(h.text) : m.content.trim() === h.text.trim();
  });
  const first = suffix[0];
  const last = suffix.at(-1);
  if (!same || !first || !last) return undefined;
  return {
    messages: prompt.length,
    of: history.length,
    from: first.label,
    to: last.label,
    oldestStep: first.step,
    held: [...new Set(suffix.map((h) => h.label))],
  };
}
