import { type CookieJar, sendChat, sessionId } from '../client/index.ts';
import type { ChatSpec } from '../client/types.ts';
import { AbortedError, AmnesiaError, formatExit } from '../errors.ts';
import type { MockLlm, RecordedLlmRequest, TurnHooks } from '../llm/index.ts';
import type { PlannedTurn } from '../plan/plan.ts';
import type { StartedTopology } from '../topology/types.ts';
import type { TurnRecord } from '../types/results.ts';
import { lostAnswers } from '../verdict/answers.ts';
import { answeredCheck, judgeTurn } from '../verdict/expectations.ts';
import { classifyRecalls, inFlightAnswered } from '../verdict/traffic.ts';

/** How long a failed connection waits to see the worker's exit (only when the connection failed). */
const EXIT_GRACE_MS = 2_000;

/** What every turn of a scenario shares. */
export interface TurnContext {
  runId: string;
  /** The scenario's slug: its scope on the mock LLM. */
  slug: string;
  llm: MockLlm;
  /** `chat:` of the config, with the scenario's turn timeout. */
  chat: ChatSpec;
  /** What sends the turn's HTTP request. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export interface TurnInput {
  planned: PlannedTurn;
  /** Disruptions between this session's previous turn and this one. */
  after: string[];
  /** This session's earlier turns. */
  earlier: readonly TurnRecord[];
  jar: CookieJar;
  topology: StartedTopology;
  ctx: TurnContext;
  /** Hooks on its LLM requests (turns in flight at once are held at their first). */
  hooks?: TurnHooks;
  /** The disruption it is in flight during (`during:`): its failure is judged against that. */
  inFlight?: TurnRecord['inFlight'];
  /** The turns sent at the same moment (`together:`). */
  together?: TurnRecord['together'];
}

/**
 * Send one user turn to its worker and judge it. Its LLM requests are attributed exactly: the
 * turn is begun on the worker's own base URL of the mock LLM before the request leaves and ended
 * after the answer, and no other turn is in flight on that worker meanwhile (validation and the
 * plan give turns in flight at once a worker each). Several turns may run at once this way.
 */
export async function runTurn(input: TurnInput): Promise<TurnRecord> {
  const { planned, topology, ctx } = input;
  const step = planned.step;
  const workerId = planned.worker;
  // Serverless: the slot's instance for this turn, newly started (cold) or the previous one (warm).
  const instance = await topology.acquire?.(workerId);
  const w = topology.worker(workerId);
  if (!w)
    throw new AmnesiaError(
      'AMNESIA_TURN_FAILED',
      `routing chose ${workerId}, which is not running (a bug in amnesia's plan)`,
    );
  const label = `${step.session}#${step.turn}`;
  // Unique: one scenario per slug per run, one turn per step (or per place in a step's list).
  const turnId = `${ctx.slug}/t${step.step}${step.nested ? `.${step.nested.index}` : ''}`;
  const id = sessionId(ctx.runId, ctx.slug, step.session);
  ctx.llm.beginTurn(
    ctx.slug,
    workerId,
    {
      turnId,
      session: step.session,
      label,
      priorTurns: input.earlier.map((t) => ({ label: t.label, text: t.user })),
      ...(step.llmReply !== undefined ? { reply: step.llmReply } : {}),
      ...(step.llmScript !== undefined ? { script: step.llmScript } : {}),
    },
    input.hooks,
  );
  const startedAt = Date.now();
  let chat: Awaited<ReturnType<typeof sendChat>>;
  let llm: RecordedLlmRequest[];
  try {
    chat = await sendChat({
      baseUrl: w.url,
      spec: ctx.chat,
      session: id,
      message: step.user,
      jar: input.jar,
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } finally {
    llm = ctx.llm.endTurn(ctx.slug, workerId);
  }
  if (chat.failure?.kind === 'cancelled') throw new AbortedError();
  // A worker that dies mid-turn resets the connection a moment before its exit is seen: give the
  // exit a short grace, so the failure names it (and the output tail holds its last words). A
  // turn in flight during a disruption knows why its worker went: the disruption stopped it.
  const died = input.inFlight
    ? undefined
    : (topology.exitedOnItsOwn(workerId) ??
      (chat.failure?.kind === 'connection' ? await topology.exitWithin(workerId, EXIT_GRACE_MS) : undefined));
  const failure = chat.failure
    ? {
        ...chat.failure,
        message: died
          ? `${chat.failure.message} (worker ${workerId} ${formatExit(died)})`
          : chat.failure.message,
        outputTail: input.inFlight ? [] : topology.outputTail(workerId, 20),
      }
    : undefined;
  const judged = judgeTurn({
    step,
    earlier: input.earlier,
    llm,
    reply: chat.reply,
    json: chat.json,
    answered: !failure,
  });
  const expectations = [
    ...classifyRecalls(judged, { step: step.step, llm, worker: workerId }, input.earlier),
    ...(failure ? [] : lostAnswers({ llm, user: step.user, at: step.at }, input.earlier)),
  ];
  const answered = input.inFlight
    ? inFlightAnswered(step, failure?.message, input.inFlight.description, failure?.kind === 'timeout')
    : answeredCheck(step, failure?.message);
  if (answered) expectations.unshift(answered);
  return {
    kind: 'turn',
    step: step.step,
    at: step.at,
    session: step.session,
    sessionId: id,
    label,
    user: step.user,
    worker: workerId,
    replica: w.replica,
    pid: w.pid,
    ...(w.container ? { container: w.container } : {}),
    generation: w.generation,
    ...(instance ? { instance } : {}),
    incarnation: w.incarnation,
    reason: planned.reason,
    after: input.after,
    ...(input.inFlight ? { during: [input.inFlight.description], inFlight: input.inFlight } : {}),
    ...(input.together?.length ? { together: input.together } : {}),
    ...(chat.exchange ? { exchange: chat.exchange } : {}),
    startedAt,
    latencyMs: chat.latencyMs,
    status: chat.status,
    reply: chat.reply,
    ...(failure ? { failure } : {}),
    llm,
    expectations,
    passed: expectations.every((e) => e.passed),
  };
}
