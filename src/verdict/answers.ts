import type { RecordedLlmRequest } from '../llm/index.ts';
import type { SourceLocation } from '../scenario/types.ts';
import type { ExpectationResult, TurnRecord } from '../types/results.ts';
import { togetherOfSession } from './crossing.ts';
import { chatRequests } from './prompt.ts';

/** Short answers ("OK.") say nothing of a turn: only longer ones are looked for in later prompts. */
const MIN_ANSWER_CHARS = 12;

type Earlier = Pick<
  TurnRecord,
  | 'label'
  | 'user'
  | 'worker'
  | 'pid'
  | 'step'
  | 'reply'
  | 'llm'
  | 'failure'
  | 'together'
  | 'inFlight'
  | 'expectations'
>;

/** What the LLM answered a turn (the app may wrap it for the user; it keeps the LLM's words). */
function answerOf(t: Pick<TurnRecord, 'reply' | 'llm' | 'failure'>): string | undefined {
  if (t.failure) return undefined;
  const answer = (chatRequests(t.llm).at(-1)?.reply ?? t.reply ?? '').trim();
  return answer.length >= MIN_ANSWER_CHARS ? answer : undefined;
}

/**
 * Answers the user saw that the app then forgot it gave: an earlier turn of the session whose
 * message reached this turn's prompt (as a user message) while its answer did not, in a prompt that holds another
 * earlier answer (so the app keeps answers: an app that keeps only user messages owes none, and a
 * window, which drops the oldest messages first, never keeps a message and drops its answer).
 * Each lost answer is reported once, at the first later turn that shows it. A failed check only:
 * kept answers add nothing to read.
 */
export function lostAnswers(
  current: { llm: readonly RecordedLlmRequest[]; user: string; at: SourceLocation },
  earlier: readonly Earlier[],
): ExpectationResult[] {
  const request = chatRequests(current.llm).at(-1);
  if (!request) return [];
  // The conversation the prompt carried: retrieved context (system messages) may hold a user
  // message without its answer, as a vector memory retrieves it; that owes no answer.
  const said = request.messages.filter((m) => m.role === 'user').map((m) => m.content);
  const prompt = request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => m.content)
    .join('\n');
  const answered = earlier.flatMap((t) => {
    const answer = answerOf(t);
    return answer ? [{ t, answer }] : [];
  });
  const keepsAnswers = answered.some(({ answer }) => prompt.includes(answer));
  if (!keepsAnswers) return [];
  return answered.flatMap(({ t, answer }) => {
    if (prompt.includes(answer) || !said.some((m) => m.includes(t.user)) || t.user.includes(current.user))
      return [];
    const reported = earlier.some((o) =>
      o.expectations.some((e) => e.kind === 'answer_kept' && e.saidIn?.some((s) => s.label === t.label)),
    );
    if (reported) return [];
    const pair = togetherOfSession(t)[0];
    const saw = `the user saw ${t.label}'s answer (on ${t.worker}), which the app then forgot it gave: ${t.label}'s message reached this prompt, its answer did not`;
    const message = pair
      ? `lost update: ${t.label} and ${pair.label} were answered at once on ${t.worker} and ${pair.worker}; ${saw}`
      : t.inFlight
        ? `answered but not remembered: ${t.label} was answered while ${t.inFlight.description} was under way; ${saw}`
        : `lost answer: ${saw}`;
    const cause = pair ? 'lost-update' : t.inFlight ? 'lost-in-flight' : undefined;
    return [
      {
        kind: 'answer_kept' as const,
        expected: `${t.label}'s answer`,
        passed: false,
        message,
        at: current.at,
        saidIn: [{ label: t.label, worker: t.worker, pid: t.pid, step: t.step }],
        ...(cause ? { cause } : {}),
      },
    ];
  });
}
