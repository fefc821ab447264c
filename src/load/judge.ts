import type { LlmMessage, RecordedLlmRequest } from '../llm/index.ts';
import type { WorkerId } from '../scenario/workers.ts';
import { chatRequests, promptContext } from '../verdict/prompt.ts';
import type { Canaries } from './canary.ts';

export interface SaidFact {
  canary: string;
  label: string;
  worker: WorkerId;
  /** What the LLM answered that turn, when long enough to look for (the user saw it). */
  answer?: string;
}

export interface LoadTurnInput {
  session: number;
  label: string;
  /** The user's message of this turn (taken out of the prompt before facts are looked for). */
  message: string;
  /** The worker the turn was sent to. */
  worker: WorkerId;
  answered: boolean;
  reply: string | null;
  /** The LLM requests attributed to the turn (by its marker). */
  requests: readonly RecordedLlmRequest[];
  /** Facts said by the session's earlier answered turns. */
  earlier: readonly SaidFact[];
}

export interface LoadTurnJudgement {
  kept: number;
  /** `answer`: the fact's message reached the prompt, but the answer the user saw did not. */
  lost: { canary: string; saidIn: string; worker: WorkerId; answer?: true }[];
  leaked: { canary: string; session: string }[];
  /** Answered without any chat request to the LLM: its recalls count as lost. */
  withoutLlm: boolean;
  /** Why a request or the answer belongs to another turn than the one it was attributed to. */
  misattributed: string[];
  /** The last chat request's messages, when something was lost or leaked. */
  prompt?: LlmMessage[];
}

/** A load label in the mock LLM's default answer: `ack s0017#4; saw …`. */
const ACK = /\back (s\d+#\d+);/;

/**
 * Judge one turn of a load run. Pure. Each earlier fact of the session must be in what the app
 * sent the LLM for this turn (its own message excluded); a fact of another session there is a
 * leak (judged on failed turns too: the prompt was sent). Attribution is checked twice: every
 * request came on the URL of the worker the turn was sent to, and an answer that carries the mock
 * LLM's default reply names this turn.
 */
export function judgeLoadTurn(t: LoadTurnInput, canaries: Canaries): LoadTurnJudgement {
  const chat = chatRequests(t.requests);
  const found = canaries.in(promptContext(t.requests, t.message));
  const seen = new Set(found.map((f) => f.canary));
  const leaked = [
    ...new Map(
      found
        .filter((f) => f.session !== t.session)
        .map((f) => [f.canary, { canary: f.canary, session: canaries.session(f.session) }]),
    ).values(),
  ];
  const withoutLlm = t.answered && chat.length === 0;
  // An earlier answer missing while its message is there is lost too, in an app that keeps answers
  // (one of them reached this prompt): the user saw an answer the app then forgot it gave.
  // Only the conversation counts: retrieved context (system messages) may hold a message alone.
  const talk = chat.flatMap((r) => r.messages.filter((m) => m.role !== 'system'));
  const context = talk.map((m) => m.content).join('\n');
  const userSaid = talk.filter((m) => m.role === 'user').map((m) => m.content);
  const keepsAnswers = t.earlier.some((e) => e.answer && context.includes(e.answer));
  const answerLost = (e: SaidFact) =>
    keepsAnswers &&
    e.answer !== undefined &&
    !context.includes(e.answer) &&
    userSaid.some((m) => m.includes(e.canary));
  const lost = t.answered
    ? t.earlier
        .filter((e) => withoutLlm || !seen.has(e.canary) || answerLost(e))
        .map((e) => ({
          canary: e.canary,
          saidIn: e.label,
          worker: e.worker,
          ...(!withoutLlm && seen.has(e.canary) ? { answer: true as const } : {}),
        }))
    : [];
  const kept = t.answered ? t.earlier.length - lost.length : 0;
  const misattributed = t.requests
    .filter((r) => r.worker !== t.worker)
    .map((r) => `request ${r.seq} of ${t.label} (sent to ${t.worker}) came on ${r.worker}'s URL`);
  const acked = t.reply === null ? undefined : ACK.exec(t.reply)?.[1];
  if (acked !== undefined && acked !== t.label)
    misattributed.push(`the answer to ${t.label} carries the LLM reply of ${acked}`);
  const last = chat.at(-1);
  return {
    kept,
    lost,
    leaked,
    withoutLlm,
    misattributed,
    ...((lost.length > 0 || leaked.length > 0) && last ? { prompt: last.messages } : {}),
  };
}
