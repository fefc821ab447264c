import type { RecordedLlmRequest } from '../llm/index.ts';

/**
 * The context the app assembled for the LLM in one turn: every message of every chat request
 * of the turn, with the turn's own user text taken out wherever it appears (apps often wrap the
 * question in a template), so that only remembered context can satisfy a recall.
 */
export function promptContext(requests: readonly RecordedLlmRequest[], ownText: string): string {
  return chatRequests(requests)
    .flatMap((r) => r.messages.map((m) => `${m.role}: ${removeAll(m.content, ownText)}`))
    .join('\n');
}

export function chatRequests(requests: readonly RecordedLlmRequest[]): RecordedLlmRequest[] {
  return requests.filter((r) => r.kind === 'chat');
}

function removeAll(text: string, part: string): string {
  return part ? text.split(part).join(' ') : text;
}
