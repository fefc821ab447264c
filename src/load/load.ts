import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_CONFIG_HINT, configAt } from '../config/load.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { disruptionText } from '../disruptions/index.ts';
import { AbortedError, AmnesiaError, InvalidInputError } from '../errors.ts';
import { newSeed } from '../plan/random.ts';
import { withRuntime } from '../run/run.ts';
import { type ScenarioApp, startScenarioApp } from '../run/scenario-app.ts';
import { RunSession } from '../run/session.ts';
import { removeInside } from '../run/slugs.ts';
import { loadScenarios } from '../scenario/load.ts';
import type { Scenario, Topology } from '../scenario/types.ts';
import type { FailedShare } from '../schema/primitives.ts';
import { oneLine, plural } from '../util/text.ts';
import { scenarioDefaults } from '../validate.ts';
import { Canaries } from './canary.ts';
import { planDisruptions } from './plan.ts';
import { driveLoad, type TrafficOutcome } from './traffic.ts';
import type { LoadFailureGroup, LoadTestOptions, LoadTestResult } from './types.ts';
import { latencyOf, placeOf, placeText, type Span, summarizeWindows, type TurnOutcome } from './windows.ts';

/** The mock LLM scope, folder and session-id scope of a load run. */
const SCOPE = 'load';

/**
 * Load mode: many synthetic sessions at once against the app's topology, while a scenario's
 * disruptions run (a rolling redeploy in the middle), and every memory counted: each turn says a
 * fact of its own and, from the second on, must find the session's earlier facts in what the app
 * sends the LLM, on another worker than the turn before. LLM requests are attributed to turns by
 * their fact (several turns are in flight on each worker), and the attribution is audited.
 * Bad input throws InvalidInputError; a cancelled load throws AbortedError once everything it
 * started is stopped; the app's faults are results.
 *
 * @example
 * const result = await loadTest({ sessions: 1000, turns: 10, concurrency: 32, scenario: 'scenarios/rolling-redeploy.yaml' });
 * console.log(result.memories, result.latency, result.windows);
 */
export async function loadTest(options: LoadTestOptions = {}): Promise<LoadTestResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const config = withRuntime(await configAt(cwd, options.config, CLI_CONFIG_HINT), options.runtime);
  const sessions = options.sessions ?? config.load.sessions;
  const turns = options.turns ?? config.load.turns;
  const concurrency = options.concurrency ?? config.load.concurrency;
  checkSizes(sessions, turns, concurrency);
  const scenarioFile = options.scenario ? path.resolve(cwd, options.scenario) : config.load.scenario;
  const scenario = scenarioFile
    ? await loadDisruptions(scenarioFile, config, options.topology, cwd)
    : undefined;
  // As in `run`: the override replaces the config's topology; a scenario's own topology wins.
  const topology: Topology = { ...config.topology, ...options.topology, ...scenario?.topology };
  if (topology.serverless) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      'the load mode runs against long-lived workers, and this topology is serverless (a process started per turn): drop `serverless` for the load, or run scenarios against it with `amnesia run`',
    );
  }
  const planned = planDisruptions(scenario, topology, sessions * turns);
  const onEvent = options.onEvent ?? (() => {});
  const startedAt = Date.now();
  const seed = newSeed();
  const session = await RunSession.open({
    cwd,
    config,
    seed,
    onEvent: () => {},
    ...(options.artifactsDir ? { artifactsDir: options.artifactsDir } : {}),
    ...(options.llmHandlers ? { llmHandlers: options.llmHandlers } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    diagnoseFailures: false,
  });
  const ctx = session.context(SCOPE, '', seed);
  const artifactsDir = path.join(session.artifactsDir, SCOPE);
  const scratch = path.join(ctx.scratchDir, SCOPE);
  onEvent({
    type: 'load-start',
    runId: session.runId,
    topology,
    sessions,
    turnsPerSession: turns,
    concurrency,
    disruptions: planned.map((d) => ({ description: disruptionText(d.step), afterTurns: d.afterTurns })),
  });
  let stack: ScenarioApp | undefined;
  let traffic: TrafficOutcome | undefined;
  let error: LoadTestResult['error'];
  let requests = 0;
  let unattributed = 0;
  let aborted = false;
  try {
    await mkdir(path.join(artifactsDir, 'logs'), { recursive: true });
    const t0 = performance.now();
    stack = await startScenarioApp(ctx, {
      name: SCOPE,
      topology,
      seed,
      maxProcesses: 2 * topology.replicas * topology.workers,
      scratchDir: scratch,
      logsDir: path.join(artifactsDir, 'logs'),
    });
    onEvent({ type: 'load-ready', workers: stack.topology.workers().length, bootMs: performance.now() - t0 });
    traffic = await driveLoad({
      sessions,
      turns,
      concurrency,
      stack,
      llm: ctx.llm,
      scope: SCOPE,
      chat: {
        ...config.chat,
        timeoutMs: options.turnTimeoutMs ?? scenario?.turnTimeoutMs ?? config.chat.timeoutMs,
      },
      runId: session.runId,
      // The sweeps' questions are turns too: one more per disruption.
      canaries: new Canaries(session.runId.slice(-4), sessions, turns + planned.length),
      say: config.probe.say,
      ask: config.probe.ask,
      disruptions: planned,
      evidence: options.evidence ?? 5,
      onEvent,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (traffic.error !== undefined) error = asError(traffic.error);
  } catch (e) {
    if (e instanceof AbortedError || options.signal?.aborted) aborted = true;
    else error = asError(e);
  } finally {
    await stack?.stop();
    // Marked turns took their requests along: what the log still holds was never judged.
    unattributed = ctx.llm.requests({ scope: SCOPE }).length;
    requests = unattributed + (traffic?.attributed ?? 0);
    ctx.llm.clear(SCOPE);
    await removeInside(ctx.scratchDir, scratch).catch(() => {});
  }
  // Cancelled while the app was being stopped: still cancelled, not a result.
  if (aborted || options.signal?.aborted) {
    await session.close();
    throw new AbortedError('the load');
  }
  try {
    const result = resultOf({
      runId: session.runId,
      startedAt,
      config,
      ...(scenarioFile ? { scenarioFile } : {}),
      topology,
      sessions,
      turns,
      concurrency,
      traffic,
      error,
      requests,
      unattributed,
      maxFailed: options.maxFailed ?? config.load.maxFailed,
    });
    // A failed turn leaves the evidence even when it was accepted: it is a message nobody answered.
    if (result.exitCode === 0 && result.turns.failed === 0)
      await removeInside(session.artifactsDir, artifactsDir);
    else {
      result.artifactsDir = artifactsDir;
      await writeFile(path.join(artifactsDir, 'load.json'), `${JSON.stringify(result, null, 2)}\n`);
    }
    onEvent({ type: 'load-end', result });
    return result;
  } finally {
    await session.close();
  }
}

function resultOf(o: {
  runId: string;
  startedAt: number;
  config: ResolvedConfig;
  scenarioFile?: string;
  topology: Topology;
  sessions: number;
  turns: number;
  concurrency: number;
  traffic: TrafficOutcome | undefined;
  error: LoadTestResult['error'];
  requests: number;
  unattributed: number;
  maxFailed: FailedShare;
}): LoadTestResult {
  const t = o.traffic;
  const p = t?.progress;
  const spans = t?.spans ?? [];
  const misattributed = t?.misattributed ?? [];
  let error = o.error;
  if (!error && misattributed.length > 0) {
    error = {
      code: 'AMNESIA_MISATTRIBUTED',
      message: `${misattributed.length} LLM request${misattributed.length === 1 ? ' was' : 's were'} attributed to the wrong turn, so the verdicts cannot be trusted (a bug in amnesia, please report it): ${misattributed.slice(0, 3).join('; ')}`,
    };
  }
  if (!error && p && p.sent > 0 && p.answered === 0) {
    const first = t?.failures[0]?.message;
    error = {
      code: 'AMNESIA_TURN_FAILED',
      message: `the app answered none of the ${p.sent} turns${first ? `; the first failed: ${first}` : ''}`,
    };
  }
  for (const s of t?.evidence ?? [])
    for (const turn of s.turns) turn.window = placeText(placeOf(turn, spans), spans);
  for (const f of t?.failures ?? []) f.window = placeText(placeOf(f, spans), spans);
  const windows = summarizeWindows(t?.outcomes ?? [], spans);
  const sent = (p?.sent ?? 0) + (p?.sweepTurns ?? 0);
  const failedTurns = p?.failed ?? 0;
  const allowed = allowedFailures(o.maxFailed, sent);
  const verdicts: string[] = [];
  if ((p?.lost ?? 0) + (p?.leaked ?? 0) > 0)
    verdicts.push(`${count(p?.lost ?? 0)} memories lost, ${count(p?.leaked ?? 0)} leaked`);
  if (failedTurns > allowed)
    verdicts.push(
      `${plural(failedTurns, 'turn')} failed (${percent(failedTurns, sent)} of ${count(sent)}; accepted: ${'percent' in o.maxFailed ? `${o.maxFailed.percent}%, ${count(allowed)}` : count(allowed)})`,
    );
  // A disruption after which no answered turn was judged proved nothing: it never passes silently.
  for (const w of windows)
    if (w.name === 'after' && w.turns.answered === 0)
      verdicts.push(`nothing checked after ${oneLine(w.disruption)}`);
  return {
    runId: o.runId,
    startedAt: o.startedAt,
    durationMs: Date.now() - o.startedAt,
    exitCode: error ? 2 : verdicts.length > 0 ? 1 : 0,
    verdicts: error ? [] : verdicts,
    ...(o.config.file ? { configFile: o.config.file } : {}),
    ...(o.scenarioFile ? { scenarioFile: o.scenarioFile } : {}),
    topology: o.topology,
    sessions: o.sessions,
    turnsPerSession: o.turns,
    concurrency: o.concurrency,
    turns: {
      sent,
      answered: p?.answered ?? 0,
      failed: failedTurns,
      withoutLlm: t?.withoutLlm ?? 0,
      sweep: p?.sweepTurns ?? 0,
    },
    maxFailed: { ...o.maxFailed, allowed },
    failedBy: failureGroups(t?.outcomes ?? [], spans),
    sweeps: t?.sweeps ?? [],
    memories: { kept: p?.kept ?? 0, lost: p?.lost ?? 0, leaked: p?.leaked ?? 0 },
    latency: latencyOf((t?.outcomes ?? []).filter((x) => x.answered).map((x) => x.latencyMs)),
    turnsPerSecond: t && t.trafficMs > 0 ? (p?.sent ?? 0) / (t.trafficMs / 1000) : 0,
    windows,
    disruptions: t?.disruptions ?? [],
    llm: {
      requests: o.requests,
      attributed: t?.attributed ?? 0,
      unattributed: o.unattributed,
      misattributed: misattributed.length,
      examples: misattributed.slice(0, 5),
    },
    evidence: t?.evidence ?? [],
    failures: t?.failures ?? [],
    ...(error ? { error } : {}),
  };
}

/** How many failed turns a share accepts of the turns sent (a share rounds down). Pure. */
export function allowedFailures(share: FailedShare, sent: number): number {
  return 'percent' in share ? Math.floor((share.percent / 100) * sent + 1e-9) : share.turns;
}

/** Every failed turn, by window and reason, most first. Pure. */
function failureGroups(outcomes: readonly TurnOutcome[], spans: readonly Span[]): LoadFailureGroup[] {
  const groups = new Map<string, LoadFailureGroup>();
  for (const t of outcomes) {
    if (t.answered) continue;
    const window = placeText(placeOf(t, spans), spans);
    const reason = t.failure ?? 'failed';
    const key = `${window}\n${reason}`;
    const g = groups.get(key) ?? { window, reason, turns: 0 };
    g.turns++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.turns - a.turns);
}

function percent(n: number, of: number): string {
  if (of === 0) return '0%';
  const p = (100 * n) / of;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

const count = (n: number) => n.toLocaleString('en-US');

function asError(e: unknown): NonNullable<LoadTestResult['error']> {
  return e instanceof AmnesiaError
    ? { code: e.code, message: e.message }
    : { code: 'AMNESIA_INTERNAL', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

function checkSizes(sessions: number, turns: number, concurrency: number): void {
  const bad = [
    !(Number.isInteger(sessions) && sessions >= 1) && `sessions must be a whole number ≥ 1 (got ${sessions})`,
    !(Number.isInteger(turns) && turns >= 2) &&
      `turns must be a whole number ≥ 2: a turn asks for what earlier ones said (got ${turns})`,
    !(Number.isInteger(concurrency) && concurrency >= 1) &&
      `concurrency must be a whole number ≥ 1 (got ${concurrency})`,
  ].filter((x): x is string => typeof x === 'string');
  if (bad.length) throw new AmnesiaError('AMNESIA_INVALID_INPUT', `load: ${bad.join('; ')}`);
}

/** The scenario whose disruptions the load runs, validated against the topology in force. */
async function loadDisruptions(
  file: string,
  config: ResolvedConfig,
  topology: Partial<Topology> | undefined,
  cwd: string,
): Promise<Scenario> {
  const base = topology ? { ...config, topology: { ...config.topology, ...topology } } : config;
  const source = topology
    ? 'the replicas/workers override'
    : config.file
      ? path.relative(cwd, config.file)
      : 'the default 2 × 2';
  const loaded = await loadScenarios([file], { cwd, defaults: scenarioDefaults(base, source) });
  if (loaded.problems.length) throw new InvalidInputError(loaded.problems);
  const [scenario] = loaded.scenarios;
  if (!scenario) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `load: no scenario in ${path.relative(cwd, file) || file}`,
    );
  }
  return scenario;
}
