import { Agent } from 'node:http';
import { httpFetch } from '../client/http-fetch.ts';
import { type ChatSpec, CookieJar, sendChat, sessionId } from '../client/index.ts';
import { disruptionText } from '../disruptions/index.ts';
import { AbortedError, AmnesiaError } from '../errors.ts';
import type { MockLlm } from '../llm/index.ts';
import { applyDisruption } from '../run/disruption.ts';
import type { ScenarioApp } from '../run/scenario-app.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { WorkerInfo } from '../topology/types.ts';
import type { DisruptionStepRecord } from '../types/results.ts';
import { renderTemplate } from '../util/template.ts';
import type { Canaries } from './canary.ts';
import { judgeLoadTurn, type SaidFact } from './judge.ts';
import { type PlannedLoadDisruption, pickWorker } from './plan.ts';
import type {
  LoadFailure,
  LoadProgress,
  LoadSessionEvidence,
  LoadSweep,
  LoadTestEvent,
  LoadTurn,
} from './types.ts';
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
  sweeps: LoadSweep[];
  /** Lost or leaked sessions, in the order they first lost or leaked (their turns' `window` not yet set). */
  evidence: LoadSessionEvidence[];
  /** The first failed turns (their `window` not yet set). */
  failures: LoadFailure[];
  /** From the first turn sent to the last answered or failed, sweeps left out. */
  trafficMs: number;
  /** What stopped the traffic early: a disruption that failed, no worker left. */
  error?: unknown;
}

/** A session of the load, as its turns go (sweeps add turns after its own). */
interface SessionState {
  index: number;
  name: string;
  id: string;
  jar: CookieJar;
  said: SaidFact[];
  prior: { label: string; text: string }[];
  turns: LoadTurn[];
  lost: number;
  leaked: number;
  previous?: WorkerId;
  evidence?: LoadSessionEvidence;
}

interface TurnDone {
  answered: boolean;
  kept: number;
  lost: number;
  leaked: number;
}

/**
 * Send the load: `sessions` synthetic sessions of `turns` turns, `concurrency` sessions at once,
 * each turn saying a fact of its own and (from the second on) asking for earlier ones, on another
 * worker than the session's previous turn. Each disruption starts once its share of the turns was
 * sent, while the traffic goes on; they run one after another. Every turn is judged as it ends:
 * its LLM requests are attributed by its fact (the marker), whichever worker is serving others.
 *
 * After each disruption a verification sweep asks every session that said a fact for all its facts
 * once more, spread over the live workers: so a load whose traffic ends before a disruption does
 * still checks memory after it. The traffic pauses for a sweep (turns in flight end first) and the
 * next disruption waits for it; the last sweep waits for the traffic to end.
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
    sweepTurns: 0,
    answered: 0,
    failed: 0,
    kept: 0,
    lost: 0,
    leaked: 0,
    elapsedMs: 0,
  };
  const snapshot = (): LoadProgress => ({
    ...progress,
    ...(progress.sweep ? { sweep: { ...progress.sweep } } : {}),
    elapsedMs: now(),
  });
  const out: TrafficOutcome = {
    progress,
    outcomes: [],
    withoutLlm: 0,
    attributed: 0,
    misattributed: [],
    spans: [],
    disruptions: [],
    sweeps: [],
    evidence: [],
    failures: [],
    trafficMs: 0,
  };
  const sessions = new Map<number, SessionState>();

  // Disruptions wait for their turn count (of the traffic's turns); all waiters are released when the traffic ends.
  let waiters: { n: number; resolve: () => void }[] = [];
  const reached = (n: number) =>
    n <= progress.sent ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const release = (all: boolean) => {
    const due = waiters.filter((w) => all || w.n <= progress.sent);
    waiters = waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
  };
  let disrupting: Promise<unknown> | undefined;
  let endTraffic = () => {};
  const trafficEnded = new Promise<void>((resolve) => {
    endTraffic = resolve;
  });

  // A sweep pauses the traffic: lanes wait at the gate, and the sweep waits for turns in flight.
  let gate: Promise<void> | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const drained = () =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          idle = resolve;
        });

  /** Send turn `k` of a session to a worker and judge it; undefined when a failed disruption stopped it. */
  const sendTurn = async (
    st: SessionState,
    k: number,
    w: WorkerInfo,
    sweepAfter?: string,
  ): Promise<TurnDone | undefined> => {
    st.previous = w.id;
    const canary = o.canaries.of(st.index, k);
    const label = `${st.name}#${k}`;
    const message = `${renderTemplate(o.say, { canary })}${k > 1 ? ` ${o.ask}` : ''}`;
    if (sweepAfter === undefined) {
      progress.sent++;
      release(false);
    } else progress.sweepTurns++;
    o.llm.beginMarkedTurn(o.scope, canary, {
      turnId: `${o.scope}/${label}`,
      session: st.name,
      label,
      priorTurns: [...st.prior],
    });
    inFlight++;
    const startMs = now();
    let chat: Awaited<ReturnType<typeof sendChat>>;
    let requests: ReturnType<MockLlm['endMarkedTurn']>;
    try {
      chat = await sendChat({
        baseUrl: w.url,
        spec: o.chat,
        session: st.id,
        message,
        jar: st.jar,
        signal,
        fetch,
      });
    } finally {
      requests = o.llm.endMarkedTurn(o.scope, canary);
      inFlight--;
      if (inFlight === 0 && idle) {
        const wake = idle;
        idle = undefined;
        wake();
      }
    }
    const endMs = now();
    if (chat.failure?.kind === 'cancelled') {
      if (o.signal?.aborted) throw new AbortedError();
      return undefined; // stopped by a failed disruption: the turn says nothing
    }
    const answered = !chat.failure;
    const j = judgeLoadTurn(
      {
        session: st.index,
        label,
        message,
        worker: w.id,
        answered,
        reply: chat.reply,
        requests,
        earlier: st.said,
      },
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
    st.lost += j.lost.length;
    st.leaked += j.leaked.length;
    out.outcomes.push({
      startMs,
      endMs,
      answered,
      latencyMs: chat.latencyMs,
      kept: j.kept,
      lost: j.lost.length,
      leaked: j.leaked.length,
      ...(chat.failure ? { failure: chat.failure.message } : {}),
    });
    st.turns.push({
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
      ...(sweepAfter !== undefined ? { sweepAfter } : {}),
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
    if (answered) st.said.push({ canary, label, worker: w.id, ...(answer.length >= 12 ? { answer } : {}) });
    st.prior.push({ label, text: message });
    // Evidence keeps the session's turns as they go on (a sweep can add the turn that lost).
    if ((st.lost > 0 || st.leaked > 0) && !st.evidence && out.evidence.length < o.evidence) {
      st.evidence = { session: st.name, sessionId: st.id, lost: 0, leaked: 0, turns: st.turns };
      out.evidence.push(st.evidence);
    }
    if (st.evidence) {
      st.evidence.lost = st.lost;
      st.evidence.leaked = st.leaked;
    }
    o.onEvent({ type: 'load-progress', progress: snapshot() });
    return { answered, kept: j.kept, lost: j.lost.length, leaked: j.leaked.length };
  };

  /** Sweep number `n` (0-based), after a disruption: every session that said a fact asks for all of them. */
  const sweep = async (n: number, after: string): Promise<LoadSweep> => {
    const started = [...sessions.values()].sort((a, b) => a.index - b.index);
    const asked = started.filter((st) => st.said.length > 0);
    const live = o.stack.topology.workers();
    const record: LoadSweep = {
      after,
      startMs: now(),
      endMs: 0,
      sessions: asked.length,
      checked: 0,
      started: started.length,
      failed: 0,
      memories: { kept: 0, lost: 0, leaked: 0 },
      workers: live.map((w) => ({ worker: w.id, generation: w.generation, turns: 0 })),
    };
    progress.sweep = { after, asked: 0, of: asked.length };
    o.onEvent({
      type: 'load-sweep-start',
      after,
      sessions: asked.length,
      workers: live.length,
      progress: snapshot(),
    });
    let next = 0;
    const lane = async () => {
      while (!signal.aborted && next < asked.length) {
        const j = next++;
        const st = asked[j] as SessionState;
        const current = o.stack.topology.workers();
        // Spread over the workers in routing order: session j of the sweep to worker j mod n,
        // the next one when that served the session's previous turn.
        const id = pickWorker(
          current.map((w) => w.id),
          j,
          0,
          st.previous,
        );
        const w = current.find((x) => x.id === id);
        if (!w)
          throw new AmnesiaError('AMNESIA_TURN_FAILED', 'no worker of the app is running for the sweep');
        if (progress.sweep) progress.sweep.asked++;
        const done = await sendTurn(st, o.turns + n + 1, w, after);
        if (!done) return;
        const slot = record.workers.find((x) => x.worker === w.id);
        if (slot) slot.turns++;
        else record.workers.push({ worker: w.id, generation: w.generation, turns: 1 });
        if (done.answered) record.checked++;
        else record.failed++;
        record.memories.kept += done.kept;
        record.memories.lost += done.lost;
        record.memories.leaked += done.leaked;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, asked.length)) }, lane));
    } finally {
      progress.sweep = undefined;
      record.endMs = now();
    }
    o.onEvent({ type: 'load-sweep', sweep: record, progress: snapshot() });
    return record;
  };

  const disruptions = (async () => {
    for (const [i, d] of o.disruptions.entries()) {
      await reached(d.afterTurns);
      if (signal.aborted) return;
      await o.stack.services.faults.settle();
      const startMs = now();
      o.onEvent({ type: 'load-disruption-start', description: disruptionText(d.step), progress: snapshot() });
      const applying = applyDisruption(d.step, { ...o.stack, signal }, d.topology);
      disrupting = applying;
      const record = await applying.finally(() => {
        disrupting = undefined;
      });
      const endMs = now();
      out.spans.push({ description: record.description, startMs, endMs });
      out.disruptions.push({ ...record, startMs, endMs });
      o.onEvent({ type: 'load-disruption', disruption: record, progress: snapshot() });
      const last = i === o.disruptions.length - 1;
      let open = () => {};
      if (last) await trafficEnded;
      else {
        gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        await drained();
      }
      try {
        if (signal.aborted) return;
        await o.stack.services.faults.settle();
        out.sweeps.push(await sweep(i, record.description));
      } finally {
        gate = undefined;
        open();
      }
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
    const st: SessionState = {
      index: s,
      name,
      id: sessionId(o.runId, o.scope, name),
      jar: new CookieJar(),
      said: [],
      prior: [],
      turns: [],
      lost: 0,
      leaked: 0,
    };
    sessions.set(s, st);
    for (let k = 1; k <= o.turns; k++) {
      let w: WorkerInfo;
      for (;;) {
        while (gate) await gate;
        if (signal.aborted) return;
        w = await workerFor(s, k, st.previous);
        if (!gate) break; // a sweep began meanwhile: wait for it, then pick again
      }
      if (!(await sendTurn(st, k, w))) return;
    }
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
  release(true);
  endTraffic();
  const disrupted = await disruptions;
  agent.destroy();
  if (o.signal?.aborted) throw new AbortedError();
  const failures = lanes.flatMap((l) => (l.status === 'rejected' ? [l.reason as unknown] : []));
  const error = disrupted ?? failures.find((e) => !(e instanceof AbortedError));
  if (error !== undefined) out.error = error;
  progress.elapsedMs = now();
  return out;
}
