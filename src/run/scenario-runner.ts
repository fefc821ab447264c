import { mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import path from 'node:path';
import { httpFetch } from '../client/http-fetch.ts';
import { CookieJar, sendChat, sessionId } from '../client/index.ts';
import type { ResolvedConfig } from '../config/types.ts';
import type { ContainerEngine } from '../container/engine.ts';
import { disruptionText } from '../disruptions/index.ts';
import { AbortedError, AmnesiaError } from '../errors.ts';
import type { MockLlm, RecordedLlmRequest } from '../llm/index.ts';
import { type Plan, type PlannedDisruption, type PlannedTurn, plan } from '../plan/plan.ts';
import type { readLadder } from '../probe/ladder.ts';
import { slimScenario } from '../report/json.ts';
import type { Scenario, Topology } from '../scenario/types.ts';
import type { WorkerId } from '../scenario/workers.ts';
import type { EmbeddedPostgresPool } from '../services/embedded-postgres.ts';
import type { StartedServices } from '../services/services.ts';
import type { InheritedEnvironment } from '../topology/environment.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { settleAll } from '../topology/settle.ts';
import type { StrayProcess } from '../topology/strays.ts';
import type { StartedTopology, TopologyEvent } from '../topology/types.ts';
import type {
  DisruptionStepRecord,
  RunEvent,
  ScenarioResult,
  StepRecord,
  TurnRecord,
  VacuousRecall,
} from '../types/results.ts';
import { anyCookieReplaced } from '../verdict/cookies.ts';
import { diagnose } from '../verdict/diagnosis.ts';
import { explainFailures } from '../verdict/explain.ts';
import { findLeaks, isolationOf } from '../verdict/leaks.ts';
import { llmNeverReached } from '../verdict/reached.ts';
import { stackOf } from '../verdict/stack.ts';
import { findVacuous } from '../verdict/vacuity.ts';
import { appImports } from './app-imports.ts';
import { applyDisruption } from './disruption.ts';
import { TurnHold } from './hold.ts';
import { replayScript } from './replay.ts';
import { type ScenarioApp, startScenarioApp } from './scenario-app.ts';
import { scenarioNotes } from './scenario-notes.ts';
import { removeInside } from './slugs.ts';
import { untilStopsListening } from './stops-listening.ts';
import { runTurn, type TurnContext, type TurnInput } from './turn.ts';

export interface ScenarioContext {
  runId: string;
  /** The folder the run started in (replay.sh goes there first). */
  cwd: string;
  config: ResolvedConfig;
  llm: MockLlm;
  registry: ProcessRegistry;
  ports: PortAllocator;
  seed: number;
  /** Overrides every per-turn timeout (CLI --timeout). */
  turnTimeoutMs?: number;
  /** Private scratch space of the run (replica disks, embedded databases). */
  scratchDir: string;
  /** Where command services keep their data (may be scratchDir). */
  servicesDir: string;
  /** What the app and its services inherit of amnesia's environment (credentials withheld). */
  environment: InheritedEnvironment;
  /** Where copies of the app go in copy mode (inside the project). */
  copiesDir: string;
  /** Where this run's artifacts go; a scenario's folder stays only when it did not pass. */
  artifactsDir: string;
  slug: string;
  replay: string;
  onEvent: (e: RunEvent) => void;
  signal?: AbortSignal;
  /** Embedded PostgreSQL instances booted ahead of need. */
  postgresPool?: EmbeddedPostgresPool;
  /** The container engine, when the config asks for containers. */
  containers?: ContainerEngine;
  /** Ask each recall's question in a fresh control session first (off for the probe ladder). */
  controls: boolean;
  /** NODE_COMPILE_CACHE of every worker (Node apps on the process runtime, unless `app.compile_cache: false`). */
  compileCacheDir?: string;
  /** This is the probe ladder, not a scenario of the run: its events say so. */
  ladder?: boolean;
  /** Runs the probe ladder on a fresh topology of this shape (memoized per run). */
  probe?: (topology: Topology) => Promise<LadderOutcome>;
}

export type LadderOutcome = ReturnType<typeof readLadder>;

/**
 * How turns reach the app: node:http, a new connection for each turn (as curl would), which costs a
 * fraction of fetch's CPU and keeps no idle socket that an app's keep-alive timeout could close
 * under the next turn.
 */
const turnFetch = httpFetch(new Agent({ keepAlive: false }));

/** Run one scenario on its own topology, services and LLM scope; never throws for the app's faults. */
export async function runScenario(s: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const started = Date.now();
  const p = plan(s, { topology: ctx.config.topology, routing: ctx.config.routing, seed: ctx.seed });
  const artifactsDir = path.join(ctx.artifactsDir, ctx.slug);
  const scratch = path.join(ctx.scratchDir, ctx.slug);
  const steps: StepRecord[] = [];
  const result: ScenarioResult = {
    name: s.name,
    file: s.file,
    slug: ctx.slug,
    ...(s.description ? { description: s.description } : {}),
    tags: s.tags,
    status: 'passed',
    topology: p.topology,
    routing: p.routing,
    seed: p.seed,
    steps,
    leaks: [],
    vacuous: [],
    unattributed: [],
    startedAt: started,
    durationMs: 0,
    replay: ctx.replay,
  };
  ctx.onEvent({
    type: 'scenario-start',
    scenario: s.name,
    slug: ctx.slug,
    topology: p.topology,
    routing: p.routing,
    seed: p.seed,
    ...(ctx.ladder ? { probe: true as const } : {}),
  });
  await mkdir(path.join(artifactsDir, 'logs'), { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const signals: SignalTap = {};
  const cuts: Extract<TopologyEvent, { type: 'output-cut' }>[] = [];
  let app: ScenarioApp | undefined;
  const droppedBefore = ctx.llm.droppedConnections();
  try {
    app = await startScenarioApp(ctx, {
      name: s.name,
      topology: p.topology,
      seed: p.seed,
      maxProcesses: maxProcesses(p),
      scratchDir: scratch,
      logsDir: path.join(artifactsDir, 'logs'),
      onTopologyEvent: (e) => {
        if (e.type === 'worker-signalled' || e.type === 'worker-stopped') signals.listener?.(e);
        if (e.type === 'output-cut') cuts.push(e);
      },
    });
    const started = app;
    cleanups.push(() => started.stop());
    const { topology, services } = app;
    result.vacuous = ctx.controls ? await runControls(s, p, topology, ctx) : [];
    if (result.vacuous.length > 0) {
      result.status = 'error';
      const n = result.vacuous.length;
      result.error = {
        code: 'AMNESIA_VACUOUS_RECALL',
        message: `${n} recall${n === 1 ? '' : 's'} would pass without any memory: ${result.vacuous
          .map(
            (v) =>
              `\`${v.expected}\` (${v.at.file}:${v.at.line}) is already in ${v.foundIn} of a fresh session asking "${v.question}"`,
          )
          .join('; ')}. Recall a fact only the conversation can supply.`,
      };
    } else {
      await runSteps(s, p, topology, services, ctx, steps, signals);
      const turns = steps.filter((x): x is TurnRecord => x.kind === 'turn');
      result.leaks = findLeaks(turns);
      const isolation = isolationOf(turns, result.leaks);
      if (isolation) result.isolation = isolation;
      const unreached = llmNeverReached(turns, {
        baseUrl: (w) => ctx.llm.shownBaseUrl(ctx.slug, w),
        baseUrlEnv: ctx.config.llm.baseUrlEnv,
      });
      if (unreached) {
        result.status = 'error';
        result.error = { code: 'AMNESIA_LLM_NEVER_REACHED', message: unreached };
      } else {
        result.status = result.leaks.length > 0 || turns.some((t) => !t.passed) ? 'failed' : 'passed';
      }
    }
  } catch (e) {
    if (e instanceof AbortedError || ctx.signal?.aborted)
      throw e instanceof AbortedError ? e : new AbortedError();
    result.status = 'error';
    result.error =
      e instanceof AmnesiaError
        ? { code: e.code, message: e.message }
        : { code: 'AMNESIA_INTERNAL', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    const [at, ...notRun] = stepsNotRun(p, steps);
    if (steps.length > 0 && at) result.stopped = { at, notRun };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await removeInside(ctx.scratchDir, scratch);
    if (ctx.servicesDir !== ctx.scratchDir)
      await removeInside(ctx.servicesDir, path.join(ctx.servicesDir, ctx.slug));
    result.unattributed = ctx.llm.requests({ scope: ctx.slug, turnId: null });
    const notes = scenarioNotes({
      cuts,
      requests: ctx.llm.requests({ scope: ctx.slug }),
      maxRequestBytes: ctx.config.llm.maxRequestBytes,
      droppedConnections: ctx.llm.droppedConnections() - droppedBefore,
      refused: ctx.llm.refused(ctx.slug),
    });
    if (notes.length > 0) result.notes = [...(result.notes ?? []), ...notes];
  }
  if (app && app.daemons.length > 0) result.notes = [...(result.notes ?? []), daemonNote(app.daemons)];
  if (app && app.outside.entries.length > 0)
    result.notes = [...(result.notes ?? []), outsideNote(app.outside)];
  if (result.status === 'failed' && ctx.probe) {
    const ladder = await ctx.probe(p.topology);
    // A turn the scenario dropped on purpose (in flight during a disruption) is not an app error.
    const turnErrors = steps.flatMap((x) =>
      x.kind === 'turn' && x.failure && !x.inFlight ? [x.failure.message, ...x.failure.outputTail] : [],
    );
    result.diagnosis = diagnose(ladder.rungs, {
      leak: ladder.leak || result.leaks.length > 0,
      scenarioFailed: true,
      appErrors: [...ladder.appErrors, ...turnErrors],
      cookieReplaced: ladder.cookieReplaced || anyCookieReplaced(steps),
    });
  }
  if (result.status === 'failed') {
    result.explanations = explainFailures(result);
    const stack = stackOf(await appImports(ctx.config.app));
    if (stack) result.stack = stack;
  }
  result.durationMs = Date.now() - started;
  if (result.status === 'passed') {
    await removeInside(ctx.artifactsDir, artifactsDir);
  } else {
    result.artifactsDir = artifactsDir;
    await writeArtifacts(artifactsDir, result, ctx);
  }
  ctx.llm.clear(ctx.slug);
  ctx.onEvent({ type: 'scenario-end', result, ...(ctx.ladder ? { probe: true as const } : {}) });
  return result;
}

/** Who hears that a disruption signalled or stopped a worker (the step holding turns in flight). */
interface SignalTap {
  listener?: (e: TopologyEvent) => void;
}

async function runSteps(
  s: Scenario,
  p: Plan,
  topology: StartedTopology,
  services: StartedServices,
  ctx: ScenarioContext,
  steps: StepRecord[],
  signals: SignalTap,
): Promise<void> {
  const jars = new Map<string, CookieJar>();
  const since = new Map<string, string[]>(); // disruptions since each session's previous turn
  const turnCtx: TurnContext = {
    runId: ctx.runId,
    slug: ctx.slug,
    llm: ctx.llm,
    chat: {
      ...ctx.config.chat,
      timeoutMs: ctx.turnTimeoutMs ?? s.turnTimeoutMs ?? ctx.config.chat.timeoutMs,
    },
    fetch: turnFetch,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  const input = (planned: PlannedTurn, extra: Partial<TurnInput> = {}): TurnInput => {
    const session = planned.step.session;
    const jar = jars.get(session) ?? new CookieJar();
    jars.set(session, jar);
    return {
      planned,
      after: since.get(session) ?? [],
      earlier: steps.filter((x): x is TurnRecord => x.kind === 'turn' && x.session === session),
      jar,
      topology,
      ctx: turnCtx,
      ...extra,
    };
  };
  const record = (turn: TurnRecord) => {
    since.set(turn.session, []);
    steps.push(turn);
    ctx.onEvent({ type: 'turn', scenario: s.name, turn });
  };
  const disrupted = (d: DisruptionStepRecord) => {
    if (d.service) {
      // A service's fault reaches every session's memory, spoken yet or not.
      for (const session of s.sessions) since.set(session, [...(since.get(session) ?? []), d.description]);
    } else if (d.type !== 'wait') {
      // Only sessions that already spoke: a session's first turn comes after nothing of its own.
      for (const [session, list] of since) since.set(session, [...list, d.description]);
    }
    steps.push(d);
    ctx.onEvent({ type: 'disruption', scenario: s.name, disruption: d });
  };

  for (const planned of p.steps) {
    if (ctx.signal?.aborted) throw new AbortedError();
    await services.faults.settle();
    if (planned.kind === 'turn') {
      const down = services.faults.down();
      const turn = await runTurn(input(planned));
      if (down.length > 0) turn.during = down.map((name) => `outage of ${name}`);
      record(turn);
    } else if (planned.kind === 'together') {
      // Held at the LLM until every turn has reached it: each has read its memory before any answers.
      const hold = new TurnHold(planned.turns.length);
      void hold.inFlight.then(() => hold.releaseAll());
      const inputs = planned.turns.map((t, i) =>
        input(t, {
          hooks: hold.hooks(i),
          together: planned.turns
            .filter((o) => o !== t)
            .map((o) => ({ label: labelOf(o), worker: o.worker })),
        }),
      );
      const turns = await settleAll(inputs.map((x, i) => runTurn(x).finally(() => hold.ended(i))));
      turns.forEach(record);
    } else if (planned.during.length > 0) {
      const { turns, disruption } = await runDuring(planned, input, topology, services, ctx, signals);
      turns.forEach(record);
      disrupted(disruption);
    } else {
      disrupted(await disrupt(planned, topology, services, ctx));
    }
  }
}

/**
 * A disruption with turns in flight: the turns are sent, each is held at its first LLM request,
 * and once all are in flight the disruption starts. A turn is let through once its own worker
 * has met its stop signal: at once for SIGKILL; for SIGTERM once the worker stops accepting
 * connections (it closed its listener to drain, or died) or has exited. So the app always meets
 * the signal mid-answer, and what happens to the turn is up to its drain alone. Turns on workers
 * the disruption does not stop are let through at its first signal. The turns are recorded
 * before the disruption, which they began before.
 */
async function runDuring(
  planned: PlannedDisruption,
  input: (t: PlannedTurn, extra: Partial<TurnInput>) => TurnInput,
  topology: StartedTopology,
  services: StartedServices,
  ctx: ScenarioContext,
  signals: SignalTap,
): Promise<{ turns: TurnRecord[]; disruption: DisruptionStepRecord }> {
  const hold = new TurnHold(planned.during.length);
  const inFlight = { step: planned.step.step, description: disruptionText(planned.step) };
  const running = planned.during.map((t, i) =>
    runTurn(input(t, { hooks: hold.hooks(i), inFlight })).finally(() => hold.ended(i)),
  );
  let d: DisruptionStepRecord | undefined;
  try {
    await hold.inFlight;
    const hit = new Set(planned.workers);
    const release = (pick: (worker: WorkerId) => boolean) =>
      planned.during.forEach((t, i) => {
        if (pick(t.worker)) hold.release(i);
      });
    const exits = new Map<WorkerId, () => void>();
    const gone = (id: WorkerId) => new Promise<void>((resolve) => exits.set(id, resolve));
    let first = true;
    signals.listener = (e) => {
      if (e.type === 'worker-stopped') return exits.get(e.id)?.();
      if (e.type !== 'worker-signalled') return;
      if (first) release((w) => !hit.has(w));
      first = false;
      // A worker cannot drain on any other signal (SIGKILL): its turns go on at once.
      if (e.signal !== 'SIGTERM') release((w) => w === e.id);
      else void untilStopsListening(e.port, gone(e.id)).then(() => release((w) => w === e.id));
    };
    d = await disrupt(planned, topology, services, ctx);
  } finally {
    signals.listener = undefined;
    hold.releaseAll();
    await Promise.allSettled(running);
  }
  return { turns: await settleAll(running), disruption: d as DisruptionStepRecord };
}

/** Before anything is said: each recall's question in a fresh control session, on the pristine topology. */
async function runControls(
  s: Scenario,
  p: Plan,
  topology: StartedTopology,
  ctx: ScenarioContext,
): Promise<VacuousRecall[]> {
  const found: VacuousRecall[] = [];
  let n = 0;
  for (const planned of plannedTurns(p)) {
    if (planned.step.expect.recall.length === 0) continue;
    const workerId = topology.worker(planned.worker) ? planned.worker : 'r1w1';
    await topology.acquire?.(workerId);
    const w = topology.worker(workerId);
    if (!w) continue;
    const session = `control-${++n}`;
    ctx.llm.beginTurn(ctx.slug, workerId, {
      turnId: `${ctx.slug}/c${n}`,
      session,
      label: `${session}#1`,
      priorTurns: [],
      // The control follows the turn's script too: a memory tool must not find the fact for a fresh session.
      ...(planned.step.llmScript ? { script: planned.step.llmScript } : {}),
    });
    let llm: RecordedLlmRequest[];
    try {
      await sendChat({
        baseUrl: w.url,
        spec: {
          ...ctx.config.chat,
          timeoutMs: ctx.turnTimeoutMs ?? s.turnTimeoutMs ?? ctx.config.chat.timeoutMs,
        },
        session: sessionId(ctx.runId, ctx.slug, session),
        message: planned.step.user,
        jar: new CookieJar(),
        fetch: turnFetch,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } finally {
      llm = ctx.llm.endTurn(ctx.slug, workerId);
    }
    if (ctx.signal?.aborted) throw new AbortedError();
    found.push(...findVacuous(planned.step, llm));
  }
  return found;
}

/** Every planned turn, nested ones included, in the order they are written. */
function plannedTurns(p: Plan): PlannedTurn[] {
  return p.steps.flatMap((x) => (x.kind === 'turn' ? [x] : x.kind === 'together' ? x.turns : x.during));
}

const labelOf = (t: PlannedTurn) => `${t.step.session}#${t.step.turn}`;

/** Carry out one disruption or service fault, and record it. */
function disrupt(
  planned: PlannedDisruption,
  topology: StartedTopology,
  services: StartedServices,
  ctx: ScenarioContext,
): Promise<DisruptionStepRecord> {
  return applyDisruption(planned.step, { topology, services, signal: ctx.signal }, planned.topology);
}

/** The planned steps after the last one that ran: `main#3`, `restart r1w1`. */
function stepsNotRun(p: Plan, ran: readonly StepRecord[]): string[] {
  const last = ran.at(-1)?.step ?? -1;
  return p.steps.filter((x) => x.step.step > last).map((x) => stepLabel(x.step));
}

function stepLabel(step: Plan['steps'][number]['step']): string {
  if (step.kind === 'turn') return `${step.session}#${step.turn}`;
  if (step.kind === 'together')
    return `together ${step.turns.map((t) => `${t.session}#${t.turn}`).join(', ')}`;
  return disruptionText(step);
}

function maxProcesses(p: Plan): number {
  let max = p.topology.replicas * p.topology.workers;
  for (const s of p.steps)
    if (s.kind === 'disruption') max = Math.max(max, s.topology.replicas * s.topology.workers);
  return max;
}

async function writeArtifacts(dir: string, result: ScenarioResult, ctx: ScenarioContext): Promise<void> {
  await mkdir(dir, { recursive: true });
  const requests = ctx.llm.requests({ scope: ctx.slug });
  // Each body once: whole in the request log (messages and input are read off it there), and in
  // the evidence only as the messages that were judged.
  await writeFile(
    path.join(dir, 'llm-requests.jsonl'),
    requests.map((r) => JSON.stringify(bodyOnce(r))).join('\n') + (requests.length ? '\n' : ''),
  );
  // Names only, never values: what the app did not get, in case that is why it failed.
  await writeFile(
    path.join(dir, 'environment.json'),
    `${JSON.stringify({ withheld: ctx.environment.withheld, passed: ctx.config.passEnv, ...(ctx.environment.inherited ? { clean: true, inherited: ctx.environment.inherited } : {}) }, null, 2)}\n`,
  );
  await writeFile(path.join(dir, 'evidence.json'), `${JSON.stringify(slimScenario(result), null, 2)}\n`);
  await writeFile(path.join(dir, 'replay.sh'), replayScript(result.replay, ctx.cwd), { mode: 0o755 });
}

/** A request without what its JSON body already says (`messages`, `input`). */
function bodyOnce(r: RecordedLlmRequest): Partial<RecordedLlmRequest> {
  if (typeof r.body !== 'object' || r.body === null) return r;
  const { messages: _messages, input: _input, ...rest } = r;
  return rest;
}

/** What the report says of the daemons an app left behind. */
function daemonNote(daemons: readonly StrayProcess[]): string {
  const n = daemons.length;
  const shown = daemons
    .slice(0, 3)
    .map((d) => `\`${d.command}\` (pid ${d.pid})`)
    .join(', ');
  return `the app left ${n === 1 ? 'a daemon' : `${n} daemons`} running outside its workers' process groups (started with setsid or a double fork), which would outlive every restart and deploy in production too: ${shown}${n > 3 ? `, and ${n - 3} more` : ''}; amnesia found ${n === 1 ? 'it' : 'them'} by AMNESIA_RUN_ID and killed ${n === 1 ? 'it' : 'them'}`;
}

/** What the report says of files the app wrote above its folder. */
function outsideNote({ entries, shared }: { entries: readonly string[]; shared: boolean }): string {
  const shown = entries.slice(0, 5).join(', ');
  return `the app wrote outside its folder: ${shown}${entries.length > 5 ? `, and ${entries.length - 5} more` : ''}. ${shared ? 'Every replica here shares that folder' : 'Each replica here has its own'}, and replicas would not share it in production either: keep what must persist in the app's data dir or a service`;
}
