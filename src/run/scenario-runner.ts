import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CookieJar, sendChat, sessionId } from '../client/index.ts';
import type { ResolvedConfig } from '../config/types.ts';
import type { ContainerEngine } from '../container/engine.ts';
import { AbortedError, AmnesiaError, formatExit } from '../errors.ts';
import type { MockLlm, RecordedLlmRequest } from '../llm/index.ts';
import { type Plan, plan } from '../plan/plan.ts';
import type { readLadder } from '../probe/ladder.ts';
import { formatTarget, type Scenario, type Topology, type TurnStep } from '../scenario/types.ts';
import type { EmbeddedPostgresPool } from '../services/embedded-postgres.ts';
import type { StartedServices } from '../services/services.ts';
import type { InheritedEnvironment } from '../topology/environment.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import type { StartedTopology } from '../topology/types.ts';
import type { RunEvent, ScenarioResult, StepRecord, TurnRecord, VacuousRecall } from '../types/results.ts';
import { diagnose } from '../verdict/diagnosis.ts';
import { answeredCheck, judgeTurn } from '../verdict/expectations.ts';
import { explainFailures } from '../verdict/explain.ts';
import { findLeaks } from '../verdict/leaks.ts';
import { llmNeverReached } from '../verdict/reached.ts';
import { findVacuous } from '../verdict/vacuity.ts';
import { applyDisruption } from './disruption.ts';
import { replayScript } from './replay.ts';
import { startScenarioApp } from './scenario-app.ts';
import { removeInside } from './slugs.ts';

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

/** How long a failed connection waits to see the worker's exit (only when the connection failed). */
const EXIT_GRACE_MS = 2_000;

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
  try {
    const app = await startScenarioApp(ctx, {
      name: s.name,
      topology: p.topology,
      seed: p.seed,
      maxProcesses: maxProcesses(p),
      scratchDir: scratch,
      logsDir: path.join(artifactsDir, 'logs'),
    });
    cleanups.push(() => app.stop());
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
      await runSteps(s, p, topology, services, ctx, steps);
      const turns = steps.filter((x): x is TurnRecord => x.kind === 'turn');
      result.leaks = findLeaks(turns);
      const unreached = llmNeverReached(turns, {
        baseUrl: (w) => ctx.llm.baseUrl(ctx.slug, w),
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
  }
  if (result.status === 'failed' && ctx.probe) {
    const ladder = await ctx.probe(p.topology);
    const turnErrors = steps.flatMap((x) =>
      x.kind === 'turn' && x.failure ? [x.failure.message, ...x.failure.outputTail] : [],
    );
    result.diagnosis = diagnose(ladder.rungs, {
      leak: ladder.leak || result.leaks.length > 0,
      scenarioFailed: true,
      appErrors: [...ladder.appErrors, ...turnErrors],
    });
  }
  if (result.status === 'failed') result.explanations = explainFailures(result);
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

async function runSteps(
  s: Scenario,
  p: Plan,
  topology: StartedTopology,
  services: StartedServices,
  ctx: ScenarioContext,
  steps: StepRecord[],
): Promise<void> {
  const jars = new Map<string, CookieJar>();
  const since = new Map<string, string[]>(); // disruptions since each session's previous turn
  for (const planned of p.steps) {
    if (ctx.signal?.aborted) throw new AbortedError();
    await services.faults.settle();
    if (planned.kind === 'turn') {
      const during = services.faults.down();
      const jar = jars.get(planned.step.session) ?? new CookieJar();
      jars.set(planned.step.session, jar);
      const earlier = steps.filter(
        (x): x is TurnRecord => x.kind === 'turn' && x.session === planned.step.session,
      );
      const record = await runTurn(
        planned.step,
        planned.worker,
        planned.reason,
        since.get(planned.step.session) ?? [],
        earlier,
        jar,
        topology,
        ctx,
        s,
      );
      since.set(planned.step.session, []);
      if (during.length > 0) record.during = during.map((name) => `outage of ${name}`);
      steps.push(record);
      ctx.onEvent({ type: 'turn', scenario: s.name, turn: record });
      continue;
    }
    const record = await applyDisruption(
      planned.step,
      { topology, services, signal: ctx.signal },
      planned.topology,
    );
    if (record.service) {
      for (const session of s.sessions)
        since.set(session, [...(since.get(session) ?? []), record.description]);
    } else if (record.type !== 'wait') {
      // Only sessions that already spoke: a session's first turn comes after nothing of its own.
      for (const [session, list] of since) since.set(session, [...list, record.description]);
    }
    steps.push(record);
    ctx.onEvent({ type: 'disruption', scenario: s.name, disruption: record });
  }
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
  for (const planned of p.steps) {
    if (planned.kind !== 'turn' || planned.step.expect.recall.length === 0) continue;
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

/** Send one user turn to one worker, with the LLM requests it caused attributed to it, and judge it. */
export async function runTurn(
  step: TurnStep,
  workerId: TurnRecord['worker'],
  reason: string,
  after: string[],
  earlier: TurnRecord[],
  jar: CookieJar,
  topology: StartedTopology,
  ctx: ScenarioContext,
  s: Scenario,
): Promise<TurnRecord> {
  const instance = await topology.acquire?.(workerId);
  const w = topology.worker(workerId);
  if (!w)
    throw new AmnesiaError(
      'AMNESIA_TURN_FAILED',
      `routing chose ${workerId}, which is not running (a bug in amnesia's plan)`,
    );
  const label = `${step.session}#${step.turn}`;
  const turnId = `${ctx.slug}/t${step.step}`; // unique: one scenario per slug per run, one turn per step
  const id = sessionId(ctx.runId, ctx.slug, step.session);
  ctx.llm.beginTurn(ctx.slug, workerId, {
    turnId,
    session: step.session,
    label,
    priorTurns: earlier.map((t) => ({ label: t.label, text: t.user })),
    ...(step.llmReply !== undefined ? { reply: step.llmReply } : {}),
  });
  const startedAt = Date.now();
  let chat: Awaited<ReturnType<typeof sendChat>>;
  let llm: RecordedLlmRequest[];
  try {
    chat = await sendChat({
      baseUrl: w.url,
      spec: {
        ...ctx.config.chat,
        timeoutMs: ctx.turnTimeoutMs ?? s.turnTimeoutMs ?? ctx.config.chat.timeoutMs,
      },
      session: id,
      message: step.user,
      jar,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } finally {
    llm = ctx.llm.endTurn(ctx.slug, workerId);
  }
  if (chat.failure?.kind === 'cancelled') throw new AbortedError();
  // A worker that dies mid-turn resets the connection a moment before its exit is seen: give the
  // exit a short grace, so the failure names it (and the output tail holds its last words).
  const died =
    topology.exitedOnItsOwn(workerId) ??
    (chat.failure?.kind === 'connection' ? await topology.exitWithin(workerId, EXIT_GRACE_MS) : undefined);
  const failure = chat.failure
    ? {
        ...chat.failure,
        message: died
          ? `${chat.failure.message} (worker ${workerId} ${formatExit(died)})`
          : chat.failure.message,
        outputTail: topology.outputTail(workerId, 20),
      }
    : undefined;
  const expectations = judgeTurn({
    step,
    earlier,
    llm,
    reply: chat.reply,
    json: chat.json,
    answered: !failure,
  });
  const answered = answeredCheck(step, failure?.message);
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
    incarnation: w.incarnation,
    ...(instance ? { instance } : {}),
    reason,
    after,
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

/** The planned steps after the last one that ran: `main#3`, `restart r1w1`. */
function stepsNotRun(p: Plan, ran: readonly StepRecord[]): string[] {
  const last = ran.at(-1)?.step ?? -1;
  return p.steps.filter((x) => x.step.step > last).map((x) => stepLabel(x.step));
}

function stepLabel(step: Plan['steps'][number]['step']): string {
  if (step.kind === 'turn') return `${step.session}#${step.turn}`;
  if (step.kind === 'restart' || step.kind === 'crash') return `${step.kind} ${formatTarget(step.target)}`;
  if (step.kind === 'redeploy') return `redeploy ${step.strategy} ${formatTarget(step.target)}`;
  if (step.kind === 'wait') return `wait ${step.ms} ms`;
  return 'scale';
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
  await writeFile(
    path.join(dir, 'llm-requests.jsonl'),
    requests.map((r) => JSON.stringify(r)).join('\n') + (requests.length ? '\n' : ''),
  );
  // Names only, never values: what the app did not get, in case that is why it failed.
  await writeFile(
    path.join(dir, 'environment.json'),
    `${JSON.stringify({ withheld: ctx.environment.withheld, passed: ctx.config.passEnv }, null, 2)}\n`,
  );
  await writeFile(path.join(dir, 'evidence.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, 'replay.sh'), replayScript(result.replay, ctx.cwd), { mode: 0o755 });
}
