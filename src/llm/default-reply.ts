import type { LlmMessage, TurnScope } from './types.ts';

/**
 * The reply the mock LLM sends when no handler and no script says otherwise. It names turns and never
 * repeats user text, so an assistant message cannot carry a forgotten fact back into a later prompt.
 *
 * "saw" lists the prior turns of the session whose text appears (exact substring) in any message of
 * the request other than the last user message, that is, what the app remembered and sent along.
 *
 * @example defaultReply(turn, messages) // 'ack alice#3; saw alice#1, alice#2'
 */
export function defaultReply(turn: TurnScope | null, messages: readonly LlmMessage[]): string {
  if (turn === null) return 'ack (no turn)';
  if (turn.reply !== undefined) return turn.reply;
  const context = contextMessages(messages);
  const seen = turn.priorTurns
    .filter((prior) => prior.text !== '' && context.some((message) => message.content.includes(prior.text)))
    .map((prior) => prior.label);
  return `ack ${turn.label}; saw ${seen.length > 0 ? seen.join(', ') : 'none'}`;
}

/** All messages but the last user message (the one the current turn sent). */
function contextMessages(messages: readonly LlmMessage[]): LlmMessage[] {
  const last = messages.findLastIndex((message) => message.role === 'user');
  return messages.filter((_, index) => index !== last);
}
