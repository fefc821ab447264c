import type { Isolation, Leak, TurnRecord } from '../types/results.ts';
import { chatRequests } from './prompt.ts';

/** Short messages ("hi", "ok") say nothing of a session: only longer ones count as a leak. */
const MIN_LEAK_CHARS = 12;

/**
 * Any whole user message of one session that shows up in an LLM request of another session's
 * turn is a leak: memory is not keyed by session. So is a request that continues a stored response
 * chain or conversation another session started (`previous_response_id`, `conversation`), even when
 * no long user message of it shows.
 */
export function findLeaks(turns: readonly TurnRecord[]): Leak[] {
  const leaks: Leak[] = [];
  for (const into of turns) {
    const text = chatRequests(into.llm)
      .flatMap((r) => r.messages.map((m) => m.content))
      .join('\n');
    if (!text) continue;
    for (const from of turns) {
      if (from.session === into.session || from.step > into.step) continue;
      const where = {
        from: { session: from.session, label: from.label, worker: from.worker, step: from.step },
        into: { session: into.session, label: into.label, worker: into.worker, step: into.step },
      };
      const long = from.user.trim().length >= MIN_LEAK_CHARS && !into.user.includes(from.user);
      if (long && text.includes(from.user)) {
        leaks.push({ ...where, text: from.user.length > 120 ? `${from.user.slice(0, 120)}…` : from.user });
        continue;
      }
      const chained = chatRequests(into.llm).find((r) => r.chain?.label === from.label)?.chain;
      if (chained)
        leaks.push({
          ...where,
          text: `the provider-side context ${chained.id} (previous_response_id or conversation) that ${from.label} started`,
        });
    }
  }
  return leaks;
}

/**
 * What the leak check covered, for a scenario of two sessions or more: how many turns met another
 * session in one process (a process that had served it before, or at once), and how many user
 * messages were looked for in later prompts of other sessions. `undefined` for one session.
 */
export function isolationOf(turns: readonly TurnRecord[], leaks: readonly Leak[]): Isolation | undefined {
  const sessions = new Set(turns.map((t) => t.session));
  if (sessions.size < 2) return undefined;
  const process = (t: TurnRecord) => `${t.worker}:${t.generation}:${t.pid}`;
  const sharedTurns = turns.filter((t) =>
    turns.some((o) => o.session !== t.session && o.step <= t.step && process(o) === process(t)),
  ).length;
  const facts = turns.filter(
    (from) =>
      from.user.trim().length >= MIN_LEAK_CHARS &&
      turns.some((into) => into.session !== from.session && into.step >= from.step && into.llm.length > 0),
  ).length;
  return { sessions: sessions.size, sharedTurns, facts, leaks: leaks.length };
}
