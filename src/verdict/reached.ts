import { SERVED } from '../llm/routes.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { TurnRecord } from '../types/results.ts';
import { nameAppError } from './app-error.ts';

/**
 * Why a scenario could not be judged because the app never reached the LLM, or undefined when it
 * did: no turn was answered (every request failed), every LLM call was refused as unmatched, or
 * no turn called the LLM at all. Such a scenario is an error (exit 2), not a verdict: nothing the
 * app remembered could be seen.
 */
export function llmNeverReached(
  turns: readonly TurnRecord[],
  o: { baseUrl: (worker: WorkerId) => string; baseUrlEnv: string },
): string | undefined {
  if (turns.length === 0) return undefined;
  if (turns.some((t) => t.llm.some((r) => r.kind !== 'unmatched'))) return undefined;
  const first = turns[0] as TurnRecord;
  if (turns.every((t) => t.failure)) {
    const failure = first.failure;
    const named = nameAppError([failure?.message ?? '', ...(failure?.outputTail ?? [])]);
    const said =
      named && named.text !== failure?.message
        ? `; ${first.worker}'s output says: ${named.text}${named.typeMismatch ? ' (likely a type mismatch: a list where a memory object is expected, row 5)' : ''}`
        : '';
    return `no turn was answered: every request to the app failed (first, ${first.label} on ${first.worker}: ${failure?.message.split('\n')[0]})${said}`;
  }
  const unmatched = turns.flatMap((t) => t.llm.filter((r) => r.kind === 'unmatched').map((r) => ({ t, r })));
  const u = unmatched[0];
  if (u) {
    return `the app never reached the mock LLM: its ${unmatched.length === 1 ? 'one LLM request was' : `${unmatched.length} LLM requests were all`} refused as unmatched (first, in ${u.t.label}: ${u.r.method} ${u.r.path} under ${o.baseUrl(u.t.worker)}, ${u.t.worker}'s base URL); amnesia serves ${SERVED.join(', ')} under each worker's base URL`;
  }
  return `the app answered without calling the LLM in any turn, so nothing it remembered can be seen: it must send its LLM calls to $${o.baseUrlEnv} (each worker gets its own, e.g. ${o.baseUrl(first.worker)})`;
}
