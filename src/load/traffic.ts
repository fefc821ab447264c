import { Agent } from 'node:http';
import { httpFetch } from '../client/http-fetch.ts';
import { type ChatSpec, CookieJar, sendChat, sessionId } from '../client/index.ts';
import { AbortedError, AmnesiaError } from '../errors.ts';
import type { MockLlm } from '../llm/index.ts';
import { applyDisruption } from '../run/disruption.ts';
import type { ScenarioApp } from '../run/scenario-app.ts';
import { type DisruptionStep, formatTarget } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { WorkerInfo } from '../topology/types.ts';
import type { DisruptionStepRecord } from '../types/results.ts';
import { renderTemplate } from '../util/template.ts';
import type { Canaries } from './canary.ts';
import { judgeLoadTurn, type SaidFact } from './judge.ts';
import { type PlannedLoadDisruption, pickWorker } from './plan.ts';
import type { LoadFailure, LoadProgress, LoadSessionEvidence, LoadTestEvent, LoadTurn } from './types.ts';
import type { Span, TurnOutcome } from './windows.ts';

export interface TrafficOptions {
  sessions: number;
  turns: number;
  concurrency: number;
  stack: Pick<ScenarioApp, 'topology' | 'services'>;
  llm: MockLlm;
  /** The mock LLM scope of the load's workers. */
  scope: string;
  chat: ChatSpec;
  runId: string;
  canaries: Canaries;
  /** What a turn says (`{{canary}}`), and what later turns add to ask for earlier facts. */
  say: string;
  ask: string;
  disruptions: readonly PlannedLoadDisruption[];
  /** How many lost or leaked sessions to keep turn by turn. */
  evidence: number;
  onEvent: (e: LoadTestEvent) => void;
  signal?: AbortSignal;
}

export interface TrafficOutcome {
  progress: LoadProgress;
  outcomes: TurnOutcome[];
  withoutLlm: number;
  attributed: number;
  misattributed: string[];
  spans: Span[];
  disruptions: (DisruptionStepRecord & { startMs: number; endMs: number })[];
  /** Lost or leaked sessions, in the order they finished (their turns' `window` not yet set). */
  evidence: LoadSessionEvidence[];
  /** The first failed turns (their `window` not yet set). */
  failures: LoadFailure[];
  /** From the first turn sent to the last answered or failed. */
  trafficMs: number;
  /** What stopped the traffic early: a disruption that failed, no worker left. */
  error?: unknown;
}

/**
 * Send the load: `sessions` synthetic sessions of `turns` turns, `concurrency` sessions at once,
 * each turn saying a fact of its own and (from the second on) asking for earlier ones, on another
 * worker than the session's previous turn. Each disruption starts once its share of the turns was
 * sent, while the traffic goes on; they run one after another. Every turn is judged as it ends:
 * its LLM requests are attributed by its fact (the marker), whichever worker is serving others.
 */
export async function driveLoad(o: TrafficOptions): Promise<TrafficOutcome> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  // One keep-alive agent for the load's turns: node:http costs far less CPU per request than fetch.
  const agent = new Agent({ keepAlive: true });
  const fetch = httpFetch(agent);
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const progress: LoadProgress = {
    total: o.sessions * o.turns,
    sent: 0,
    answered: 0,
    failed: 0,
    kept: 0,
    lost: 0,
    leaked: 0,
    elapsedMs: 0,
  };
  const snapshot = (): LoadProgress => ({ ...progress, elapsedMs: now() });
  const out: TrafficOutcome = {
    progress,
    outcomes: [],
    withoutLlm: 0,
    attributed: 0,
    misattributed: [],
    spans: [],
    disruptions: [],
    evidence: [],
    failures: [],
    trafficMs: 0,
  };

  // Disruptions wait for their turn count; all waiters are released when the traffic ends.
  let waiters: { n: number; resolve: () => void }[] = [];
  const reached = (n: number) =>
    n <= progress.sent ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const release = (all: boolean) => {
    const due = waiters.filter((w) => all || w.n <= progress.sent);
    waiters = waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
  };
  let disrupting: Promise<unknown> | undefined;

  const disruptions = (async () => {
    for (const d of o.disruptions) {
      await reached(d.afterTurns);
      if (signal.aborted) return;
      await o.stack.services.faults.settle();
      const startMs = now();
      o.onEvent({ type: 'load-disruption-start', description: stepText(d.step), progress: snapshot() });
      const applying = applyDisruption(d.step, { ...o.stack, signal }, d.topology);
      disrupting = applying;
      const record = await applying.finally(() => {
        disrupting = undefined;
      });
      const endMs = now();
      out.spans.push({ description: record.description, startMs, endMs });
      out.disruptions.push({ ...record, startMs, endMs });
      o.onEvent({ type: 'load-disruption', disruption: record, progress: snapshot() });
    }
  })().then(
    () => undefined,
    (e: unknown) => {
      stop.abort();
      return e ?? new Error('a disruption failed');
    },
  );

  /** The worker for a turn; while a disruption leaves none running, wait for it to end. */
  const workerFor = async (session: number, turn: number, previous: WorkerId | undefined) => {
    for (;;) {
      const live = o.stack.topology.workers();
      const id = pickWorker(
        live.map((w) => w.id),
        session,
        turn,
        previous,
      );
      const w = live.find((x) => x.id === id);
      if (w) return w;
      const pending = disrupting;
      if (!pending) throw new AmnesiaError('AMNESIA_TURN_FAILED', 'no worker of the app is running');
      await pending.catch(() => {});
    }
  };

  const runSession = async (s: number) => {
    const name = o.canaries.session(s);
    const id = sessionId(o.runId, o.scope, name);
    const jar = new CookieJar();
    const said: SaidFact[] = [];
    const prior: { label: string; text: string }[] = [];
    const turns: LoadTurn[] = [];
    let lost = 0;
    let leaked = 0;
    let previous: WorkerId | undefined;
    for (let k = 1; k <= o.turns; k++) {
      if (signal.aborted) return;
      const w: WorkerInfo = await workerFor(s, k, previous);
      previous = w.id;
      const canary = o.canaries.of(s, k);
      const label = `${name}#${k}`;
      const message = `${renderTemplate(o.say, { canary })}${k > 1 ? ` ${o.ask}` : ''}`;
      progress.sent++;
      release(false);
      o.llm.beginMarkedTurn(o.scope, canary, {
        turnId: `${o.scope}/${label}`,
        session: name,
        label,
        priorTurns: [...prior],
      });
      const startMs = now();
      let chat: Awaited<ReturnType<typeof sendChat>>;
      let requests: ReturnType<MockLlm['endMarkedTurn']>;
      try {
        chat = await sendChat({ baseUrl: w.url, spec: o.chat, session: id, message, jar, signal, fetch });
      } finally {
        requests = o.llm.endMarkedTurn(o.scope, canary);
      }
      const endMs = now();
      if (chat.failure?.kind === 'cancelled') {
        if (o.signal?.aborted) throw new AbortedError();
        return; // stopped by a failed disruption: the turn says nothing
      }
      const answered = !chat.failure;
      const j = judgeLoadTurn(
        { session: s, label, message, worker: w.id, answered, reply: chat.reply, requests, earlier: said },
        o.canaries,
      );
      if (answered) progress.answered++;
      else progress.failed++;
      if (chat.failure && out.failures.length < o.evidence) {
        const { message } = chat.failure;
        out.failures.push({ label, worker: w.id, pid: w.pid, window: '', startMs, endMs, message });
      }
      progress.kept += j.kept;
      progress.lost += j.lost.length;
      progress.leaked += j.leaked.length;
      if (j.withoutLlm) out.withoutLlm++;
      out.attributed += requests.length;
      out.misattributed.push(...j.misattributed);
      lost += j.lost.length;
      leaked += j.leaked.length;
      out.outcomes.push({
        startMs,
        endMs,
        answered,
        latencyMs: chat.latencyMs,
        kept: j.kept,
        lost: j.lost.length,
        leaked: j.leaked.length,
      });
      turns.push({
        label,
        worker: w.id,
        pid: w.pid,
        generation: w.generation,
        window: '',
        startMs,
        endMs,
        latencyMs: chat.latencyMs,
        status: chat.status,
        ...(chat.failure ? { failure: chat.failure.message } : {}),
        canary,
        kept: j.kept,
        lost: j.lost,
        leaked: j.leaked,
        ...(j.prompt ? { prompt: j.prompt } : {}),
        llmRequests: requests.length,
      });
      const answer =
        requests
          .filter((r) => r.kind === 'chat')
          .at(-1)
          ?.reply?.trim() ?? '';
      if (answered) said.push({ canary, label, worker: w.id, ...(answer.length >= 12 ? { answer } : {}) });
      prior.push({ label, text: message });
      o.onEvent({ type: 'load-progress', progress: snapshot() });
    }
    if ((lost > 0 || leaked > 0) && out.evidence.length < o.evidence)
      out.evidence.push({ session: name, sessionId: id, lost, leaked, turns });
  };

  let next = 0;
  const lane = async () => {
    while (!signal.aborted && next < o.sessions) await runSession(++next);
  };
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.min(o.concurrency, o.sessions) }, () =>
      lane().catch((e: unknown) => {
        if (!(e instanceof AbortedError)) stop.abort();
        throw e;
      }),
    ),
  );
  out.trafficMs = now();
  agent.destroy();
  release(true);
  const disrupted = await disruptions;
  if (o.signal?.aborted) throw new AbortedError();
  const failures = lanes.flatMap((l) => (l.status === 'rejected' ? [l.reason as unknown] : []));
  const error = disrupted ?? failures.find((e) => !(e instanceof AbortedError));
  if (error !== undefined) out.error = error;
  progress.elapsedMs = now();
  return out;
}

/** What a disruption step will do, before it ran: `redeploy all (rolling)`. */
export function stepText(step: DisruptionStep): string {
  switch (step.kind) {
    case 'restart':
    case 'crash':
      return `${step.kind} ${formatTarget(step.target)}`;
    case 'redeploy':
      return `redeploy ${formatTarget(step.target)} (${step.strategy})`;
    case 'scale':
      return `scale to ${[step.replicas && `${step.replicas} replicas`, step.workers && `${step.workers} workers`].filter(Boolean).join(', ')}`;
    case 'wait':
      return `wait ${step.ms} ms`;
    case 'outage':
      return `outage of ${step.service} for ${step.ms} ms`;
    case 'restart_service':
      return `restart service ${step.service}`;
    case 'wipe_service':
      return `wipe service ${step.service}`;
  }
}
