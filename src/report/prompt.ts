import type { RecordedLlmRequest } from '../llm/index.ts';
import { SERVED } from '../llm/routes.ts';
import type { TurnRecord } from '../types/results.ts';
import { brief, plural } from '../util/text.ts';
import { lastChatRequest } from './evidence.ts';

export interface PromptExcerptOptions {
  /** @default 200 */
  perMessage?: number;
  /** @default 1200 */
  total?: number;
  /** @default 8 */
  maxMessages?: number;
}

/**
 * What the LLM saw in the turn's last chat request: `role: content` lines, each on one line and
 * cut, the middle of a long history elided (the first message is usually the system prompt, the
 * last ones the history a recall looks for), the whole cut to `total` characters.
 */
export function promptExcerpt(
  t: TurnRecord,
  o: PromptExcerptOptions = {},
): { title: string; lines: string[] } {
  const req = lastChatRequest(t);
  if (!req) return { title: noChatRequest(t), lines: [] };
  const { perMessage = 200, total = 1200, maxMessages = 8 } = o;
  const lines = messageLines(req, perMessage, maxMessages);
  const kept: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    if (used + line.length > total && kept.length > 0) {
      kept.push(`… ${plural(lines.length - i, 'more line')}`);
      break;
    }
    kept.push(line);
    used += line.length;
  }
  const chats = t.llm.filter((r) => r.kind === 'chat').length;
  const which = chats > 1 ? `the last of ${chats} chat requests` : 'chat request';
  return { title: `prompt (${which}, ${plural(req.messages.length, 'message')}):`, lines: kept };
}

function messageLines(req: RecordedLlmRequest, perMessage: number, maxMessages: number): string[] {
  const line = (m: { role: string; content: string }) =>
    `${m.role}: ${brief(m.content, perMessage) || '(empty)'}`;
  const ms = req.messages;
  if (ms.length === 0) return ['(no messages)'];
  if (ms.length <= maxMessages) return ms.map(line);
  const head = ms.slice(0, 1).map(line);
  const tail = ms.slice(ms.length - (maxMessages - 1)).map(line);
  return [...head, `… ${plural(ms.length - maxMessages, 'message')} elided …`, ...tail];
}

function noChatRequest(t: TurnRecord): string {
  const tooLarge = t.llm.find((r) => r.kind === 'too-large');
  if (tooLarge?.refusal)
    return `no chat request read; ${tooLarge.refusal.replace(/^amnesia mock LLM: /, '')}`;
  const unmatched = t.llm.filter((r) => r.kind === 'unmatched');
  if (unmatched.length > 0) {
    const r = unmatched[0];
    return `no chat request; the mock LLM refused ${plural(unmatched.length, 'request')} no handler matched (first: ${r?.method} ${r?.path} under ${t.worker}'s base URL, where amnesia serves ${SERVED.join(', ')})`;
  }
  return t.llm.length > 0
    ? `no chat request (the app made ${plural(t.llm.length, 'other LLM request')})`
    : 'no LLM request during this turn';
}
