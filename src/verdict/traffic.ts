import type { RecordedLlmRequest } from '../llm/index.ts';
import type { TurnStep } from '../scenario/types.ts';
import type { ExpectationResult, TurnRecord } from '../types/results.ts';
import { chatRequests } from './prompt.ts';

/** What of an earlier turn the traffic verdicts read. */
export type EarlierTurn = Pick<
  TurnRecord,
  'label' | 'user' | 'worker' | 'step' | 'failure' | 'together' | 'inFlight' | 'llm' | 'expectations'
>;

/** A turn in flight whose request failed, as its scenario allowed (`expect.error: allowed`). */
const failedAsAllowed = (t: EarlierTurn) =>
  t.failure !== undefined &&
  t.inFlight !== undefined &&
  t.expectations.some((e) => e.kind === 'answered' && e.passed);

/**
 * Whether a turn in flight during a disruption was answered as its scenario asks. A failed
 * request (the client saw an error) is acceptable only with `expect.error: allowed`; otherwise
 * it is a turn the app dropped when it was stopped (no drain: failure-table row 10), unless the
 * client gave up first (`timedOut`: its timeout ran out while the worker drained, or was paused),
 * which says nothing of the app's drain.
 */
export function inFlightAnswered(
  step: TurnStep,
  failure: string | undefined,
  disruption: string,
  timedOut = false,
): ExpectationResult | undefined {
  if (step.expect.error === true) {
    return {
      kind: 'answered',
      expected: 'an error',
      passed: failure !== undefined,
      message:
        failure !== undefined
          ? `the request failed while ${disruption} was under way, as expected: ${failure}`
          : `the app answered ${step.session}#${step.turn} while ${disruption} was under way, but this turn expects it to fail`,
      at: step.at,
    };
  }
  if (failure === undefined) return undefined;
  if (step.expect.error === 'allowed') {
    return {
      kind: 'answered',
      expected: 'an answer or an error',
      passed: true,
      message: `the request failed while ${disruption} was under way, which this turn allows: ${failure}`,
      at: step.at,
    };
  }
  if (timedOut) {
    return {
      kind: 'answered',
      expected: 'an answer',
      passed: false,
      message: `the request failed while ${disruption} was under way: the client gave up before the app answered (${failure})`,
      at: step.at,
    };
  }
  return {
    kind: 'answered',
    expected: 'an answer',
    passed: false,
    message: `the request failed while ${disruption} was under way: the app dropped a turn in flight when it was stopped (${failure})`,
    at: step.at,
    cause: 'lost-in-flight',
  };
}

/**
 * Say why a recall failed when the text was said by a turn sent at once with another turn of its
 * session (a lost update: the later prompts hold the other turn of the pair and everything the
 * session said before it), or by a turn in flight during a disruption (answered but not
 * remembered, or dropped); and excuse a recall whose text only a turn that was allowed to fail,
 * and failed, ever said: the user saw an error, so the app owes nothing.
 */
export function classifyRecalls(
  results: readonly ExpectationResult[],
  current: { step: number; llm: readonly RecordedLlmRequest[]; worker?: string },
  earlier: readonly EarlierTurn[],
): ExpectationResult[] {
  return results.map((e) => {
    if (e.kind !== 'recall' || e.passed || !e.saidIn?.length) return e;
    const said = e.saidIn.flatMap((s) => earlier.filter((t) => t.step === s.step && t.label === s.label));
    if (said.length > 0 && said.every(failedAsAllowed)) {
      const t = said[0] as EarlierTurn;
      return {
        ...e,
        passed: true,
        message: `not owed: said only in ${said.map((x) => x.label).join(', ')}, whose request failed while ${t.inFlight?.description} was under way (allowed), so the app never answered it`,
      };
    }
    const laterPrompts = (x: EarlierTurn) =>
      [...earlier.filter((t) => t.step > x.step).map((t) => t.llm), current.llm].flatMap((llm) =>
        chatRequests(llm).map((r) => r.messages.map((m) => m.content).join('\n')),
      );
    const missing = (x: EarlierTurn) => !laterPrompts(x).some((p) => p.includes(x.user));
    for (const t of said) {
      if (t.inFlight && t.failure)
        return {
          ...e,
          message: `said in ${t.label}, whose request failed while ${t.inFlight.description} was under way: the app dropped the turn`,
          cause: 'lost-in-flight',
        };
      if (t.inFlight && missing(t))
        return {
          ...e,
          message: `answered but not remembered: ${t.label} was answered on ${t.worker} while ${t.inFlight.description} was under way; its message is missing from every later prompt`,
          cause: 'lost-in-flight',
        };
      const kept = earlier.find(
        (o) =>
          o !== t &&
          o.step === t.step &&
          !o.failure &&
          t.together?.some((x) => x.label === o.label) &&
          !missing(o),
      );
      // One store kept one of the pair and what the session said before it, but not the other:
      // the other's write was erased. (A pair lost to separate stores — per-process RAM, a
      // replica's disk — loses what came before the pair too, and is ordinary forgetting; so does
      // a window, which drops the oldest first.)
      // Held by this turn's own prompt: a window that dropped the oldest turns is no lost update.
      const now = chatRequests(current.llm).map((r) => r.messages.map((m) => m.content).join('\n'));
      const before = earlier.filter((o) => o.step < t.step && !o.failure);
      const sharedStore = before.length > 0 && before.every((o) => now.some((p) => p.includes(o.user)));
      if (kept && sharedStore && !t.failure && missing(t) && sharedAcross(t.worker, current, earlier)) {
        const [a, b] = [kept, t].sort((x, y) => turnNumber(x.label) - turnNumber(y.label)) as [
          EarlierTurn,
          EarlierTurn,
        ];
        return {
          ...e,
          message: `lost update: ${a.label} and ${b.label} were answered at once on ${a.worker} and ${b.worker}; ${t.label}'s message is missing from every later prompt`,
          cause: 'lost-update',
        };
      }
    }
    return e;
  });
}

const replicaOf = (worker: string) => worker.slice(0, worker.indexOf('w'));

/**
 * Whether the session's prompts show memory reaching from the lost turn's worker to the asking one:
 * a turn's prompt held an earlier turn served on another worker (another replica, when the two are
 * on different replicas). Without it, a turn missing on another worker is memory one process (or
 * one disk) holds, row 2 or 3, not a lost update (LangGraph's MemorySaver under `together:`).
 */
function sharedAcross(
  from: string,
  current: { step: number; llm: readonly RecordedLlmRequest[]; worker?: string },
  earlier: readonly EarlierTurn[],
): boolean {
  if (!current.worker || current.worker === from) return true;
  const replicas = replicaOf(current.worker) !== replicaOf(from);
  const turns: { step: number; llm: readonly RecordedLlmRequest[]; worker: string }[] = [
    ...earlier,
    { step: current.step, llm: current.llm, worker: current.worker },
  ];
  return turns.some((x) => {
    const prompt = chatRequests(x.llm)
      .flatMap((r) => r.messages.map((m) => m.content))
      .join('\n');
    return earlier.some(
      (y) =>
        y.step < x.step &&
        y.worker !== x.worker &&
        (!replicas || replicaOf(y.worker) !== replicaOf(x.worker)) &&
        prompt.includes(y.user),
    );
  });
}

const turnNumber = (label: string) => Number(label.slice(label.lastIndexOf('#') + 1));
