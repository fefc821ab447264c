import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { onTestFinished, TestRunner } from 'vitest';
import { CookieJar, sessionId } from '../client/index.ts';
import { type PlannedTurn, plan } from '../plan/plan.ts';
import { newSeed } from '../plan/random.ts';
import { applyDisruption } from '../run/disruption.ts';
import { type ScenarioApp, startScenarioApp } from '../run/scenario-app.ts';
import type { ScenarioContext } from '../run/scenario-runner.ts';
import { RunSession } from '../run/session.ts';
import { runTurn } from '../run/turn.ts';
import {
  type DisruptionStep,
  formatTarget,
  parseTarget,
  type Scenario,
  type SourceLocation,
  type Step,
  type Target,
  type Topology,
  type TurnStep,
} from '../scenario/types.ts';
import { workersOf } from '../scenario/workers.ts';
import { LIMITS } from '../schema/primitives.ts';
import type { WorkerInfo } from '../topology/types.ts';
import type { DisruptionStepRecord, Leak, StepRecord } from '../types/results.ts';
import { findLeaks } from '../verdict/leaks.ts';
import { callSite } from './call-site.ts';
import { configIn } from './config.ts';
import { InvalidArgumentError, TurnFailedError } from './errors.ts';
import { withEarlier } from './turn-history.ts';
import type { App, ChatSession, SayOptions, StartAppOptions, TargetName, Turn } from './types.ts';

const SLUG = 'app';

/**
 * Start the app under test for a code-first test. Everything it starts stops with `await using`,
 * `app.stop()`, or at the latest when the test ends, fails or times out (an `onTestFinished` hook).
 * An app started outside a test (in `beforeAll`) has no such hook: stop it in `afterAll`.
 *
 * @example
 * await using app = await startApp({ topology: { replicas: 2, workers: 2 } });
 * const alice = app.session('alice');
 * await alice.say('My cat is Miso', { on: 'r1w1' });
 * await app.restart('r1');
 * expect(await alice.say('What is my cat called?')).toRecall('Miso');
 */
export function startApp(options: StartAppOptions = {}): Promise<App> {
  const at = callSite();
  const aborted = new AbortController();
  const starting = start(options, at, aborted);
  // The safety net: a test that fails, times out (even while booting) or forgets `await using`
  // still stops it all before the next test.
  if (TestRunner.getCurrentTest()) {
    onTestFinished(async () => {
      aborted.abort();
      const app = await starting.catch(() => undefined);
      await app?.stop();
    });
  }
  return starting;
}

async function start(
  options: StartAppOptions,
  at: SourceLocation,
  aborted: AbortController,
): Promise<HarnessApp> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const config = await configIn(cwd, options.config);
  const topology = checkShape({ ...config.topology, ...options.topology }, 'startApp({ topology })');
  const seed = options.seed ?? config.seed ?? newSeed();
  const session = await RunSession.open({
    cwd,
    config,
    seed,
    onEvent: () => {},
    diagnoseFailures: false,
    ...(options.turnTimeout ? { turnTimeoutMs: options.turnTimeout } : {}),
    ...(options.llmHandlers ? { llmHandlers: options.llmHandlers } : {}),
  });
  const ctx: ScenarioContext = {
    ...session.context(SLUG, 'a code-first test: run the test again', seed, aborted.signal),
    controls: false,
  };
  let started: ScenarioApp;
  try {
    started = await startScenarioApp(ctx, {
      name: 'startApp',
      topology,
      seed,
      maxProcesses: LIMITS.processes,
      scratchDir: path.join(ctx.scratchDir, SLUG),
      logsDir: path.join(ctx.artifactsDir, SLUG, 'logs'),
    });
  } catch (e) {
    await session.close();
    throw e;
  }
  return new HarnessApp(session, ctx, started, aborted, {
    file: at.file,
    name: 'startApp',
    tags: [],
    topology,
    routing: options.routing ?? config.routing,
    seed,
    steps: [],
    sessions: [],
    at,
  });
}

class HarnessApp implements App {
  private readonly records: StepRecord[] = [];
  private readonly jars = new Map<string, CookieJar>();
  /** Disruptions since each session's previous turn. */
  private readonly since = new Map<string, string[]>();
  private readonly run: RunSession;
  private readonly ctx: ScenarioContext;
  private readonly started: ScenarioApp;
  private readonly aborted: AbortController;
  /** The steps so far, as a scenario: routing plans it exactly as it plans a scenario file. */
  private readonly scenario: Scenario & { topology: Topology; steps: Step[]; sessions: string[] };
  private shape: Topology;
  private keepLogs = false;
  private stopping: Promise<void> | undefined;

  constructor(
    session: RunSession,
    ctx: ScenarioContext,
    started: ScenarioApp,
    aborted: AbortController,
    scenario: Scenario & { topology: Topology; steps: Step[]; sessions: string[] },
  ) {
    this.run = session;
    this.ctx = ctx;
    this.started = started;
    this.aborted = aborted;
    this.scenario = scenario;
    this.shape = { ...scenario.topology };
  }

  get runId(): string {
    return this.run.runId;
  }

  get topology(): Topology {
    return { ...this.shape };
  }

  workers(): WorkerInfo[] {
    return this.started.topology.workers();
  }

  session(name: string): ChatSession {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(
        `app.session(name): name must be a non-empty string, got ${JSON.stringify(name)}`,
      );
    }
    const id = sessionId(this.runId, SLUG, name);
    return {
      name,
      id,
      say: (text, options = {}) => this.say(name, text, options, callSite()),
      turns: () => this.turns().filter((t) => t.session === name),
    };
  }

  async restart(target: TargetName = 'all', options: { grace?: number } = {}): Promise<DisruptionStepRecord> {
    const t = this.target(target, 'restart');
    const grace = options.grace !== undefined ? { graceMs: options.grace } : {};
    return this.disrupt({
      kind: 'restart',
      step: this.scenario.steps.length,
      target: t,
      ...grace,
      at: callSite(),
    });
  }

  async crash(target: TargetName = 'all'): Promise<DisruptionStepRecord> {
    const t = this.target(target, 'crash');
    return this.disrupt({ kind: 'crash', step: this.scenario.steps.length, target: t, at: callSite() });
  }

  async redeploy(
    target: TargetName = 'all',
    options: { strategy?: 'rolling' | 'at-once' } = {},
  ): Promise<DisruptionStepRecord> {
    const t = this.target(target, 'redeploy');
    const strategy = options.strategy ?? 'rolling';
    return this.disrupt({
      kind: 'redeploy',
      step: this.scenario.steps.length,
      strategy,
      target: t,
      at: callSite(),
    });
  }

  async scale(to: Partial<Topology>): Promise<DisruptionStepRecord> {
    const next = checkShape({ ...this.shape, ...to }, 'app.scale()');
    const at = callSite();
    const record = await this.disrupt({
      kind: 'scale',
      step: this.scenario.steps.length,
      replicas: next.replicas,
      workers: next.workers,
      at,
    });
    this.shape = next;
    return record;
  }

  steps(): readonly StepRecord[] {
    return [...this.records];
  }

  turns(): readonly Turn[] {
    return this.records.filter((r): r is Turn => r.kind === 'turn');
  }

  leaks(): Leak[] {
    return findLeaks(this.turns());
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.aborted.abort();
      try {
        await this.started.stop();
      } finally {
        const runDir = this.ctx.artifactsDir;
        if (!this.keepLogs) {
          await rm(path.join(runDir, SLUG), { recursive: true, force: true });
          await rmdir(runDir).catch(() => {}); // only when nothing else is left in it
        }
        await this.run.close();
      }
    })();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async say(session: string, text: string, options: SayOptions, at: SourceLocation): Promise<Turn> {
    this.assertRunning(`${session}.say()`);
    if (typeof text !== 'string' || text.trim() === '') {
      throw new InvalidArgumentError(
        `${session}.say(text): text must be a non-empty string, got ${JSON.stringify(text)}`,
      );
    }
    const pin = options.on ? this.target(options.on, `${session}.say(…, { on })`) : undefined;
    if (pin?.kind === 'all')
      throw new InvalidArgumentError(`${session}.say(…, { on: 'all' }): pin a worker or a replica`);
    const earlier = this.turns().filter((t) => t.session === session);
    const step: TurnStep = {
      kind: 'turn',
      step: this.scenario.steps.length,
      session,
      turn: this.scenario.steps.filter((s) => s.kind === 'turn' && s.session === session).length + 1,
      user: text,
      ...(pin ? { pin } : {}),
      expect: { recall: [], forget: [] },
      ...(options.llmReply !== undefined ? { llmReply: options.llmReply } : {}),
      ...(options.llm !== undefined ? { llmScript: options.llm } : {}),
      at,
    };
    this.scenario.steps.push(step);
    if (!this.scenario.sessions.includes(session)) this.scenario.sessions.push(session);
    const planned = plan(this.scenario, {
      topology: this.scenario.topology,
      routing: this.scenario.routing ?? 'spread',
      seed: this.scenario.seed ?? 0,
    }).steps.at(-1) as PlannedTurn;
    const jar = this.jars.get(session) ?? new CookieJar();
    this.jars.set(session, jar);
    const record = await runTurn({
      planned,
      after: this.since.get(session) ?? [],
      earlier,
      jar,
      topology: this.started.topology,
      ctx: {
        runId: this.ctx.runId,
        slug: this.ctx.slug,
        llm: this.ctx.llm,
        chat: {
          ...this.ctx.config.chat,
          timeoutMs: this.ctx.turnTimeoutMs ?? this.scenario.turnTimeoutMs ?? this.ctx.config.chat.timeoutMs,
        },
        ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
      },
    });
    this.since.set(session, []);
    this.records.push(withEarlier(record, earlier));
    if (record.failure) {
      this.keepLogs = true;
      throw new TurnFailedError(
        record,
        path.relative(process.cwd(), path.join(this.ctx.artifactsDir, SLUG, 'logs')),
      );
    }
    return record;
  }

  /** Apply a disruption as a scenario step does (run/disruption.ts), and record it. */
  private async disrupt(step: DisruptionStep): Promise<DisruptionStepRecord> {
    this.assertRunning(step.kind);
    this.scenario.steps.push(step);
    const after =
      step.kind === 'scale' ? { replicas: step.replicas ?? 1, workers: step.workers ?? 1 } : this.topology;
    const record = await applyDisruption(
      step,
      { topology: this.started.topology, services: this.started.services, signal: this.ctx.signal },
      after,
    );
    this.records.push(record);
    for (const s of this.scenario.sessions)
      this.since.set(s, [...(this.since.get(s) ?? []), record.description]);
    return record;
  }

  private target(name: string, call: string): Target {
    let t: Target;
    try {
      t = parseTarget(name);
    } catch {
      throw new InvalidArgumentError(
        `${call}: "${name}" is not a target; use 'all', a replica like 'r2' or a worker like 'r2w1'`,
      );
    }
    if (workersOf(t, this.shape).length === 0) {
      throw new InvalidArgumentError(
        `${call}: ${formatTarget(t)} does not exist in this ${this.shape.replicas} × ${this.shape.workers} topology`,
      );
    }
    return t;
  }

  private assertRunning(call: string): void {
    if (this.stopping)
      throw new InvalidArgumentError(`${call}: the app was stopped (the test ended, or app.stop() ran)`);
  }
}

function checkShape(t: Topology, call: string): Topology {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  if (
    !ok(t.replicas, LIMITS.replicas) ||
    !ok(t.workers, LIMITS.workers) ||
    t.replicas * t.workers > LIMITS.processes
  ) {
    throw new InvalidArgumentError(
      `${call}: ${t.replicas} × ${t.workers} is not a topology amnesia runs: 1–${LIMITS.replicas} replicas, 1–${LIMITS.workers} workers, at most ${LIMITS.processes} processes`,
    );
  }
  return { replicas: t.replicas, workers: t.workers };
}
