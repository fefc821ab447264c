import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RequestHandler } from 'msw';
import { slugify } from '../client/index.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { ContainerEngine, LABEL, needsContainers } from '../container/engine.ts';
import { AmnesiaError } from '../errors.ts';
import { type MockLlm, startMockLlm } from '../llm/index.ts';
import { buildLadder, type Ladder, readLadder } from '../probe/ladder.ts';
import { buildServerlessRung } from '../probe/serverless-rung.ts';
import type { Scenario, Topology } from '../scenario/types.ts';
import { LIMITS } from '../schema/primitives.ts';
import { EmbeddedPostgresPool } from '../services/embedded-postgres.ts';
import { type InheritedEnvironment, inheritedEnvironment } from '../topology/environment.ts';
import { PortAllocator } from '../topology/free-port.ts';
import { makeScratch, sweepLeftovers } from '../topology/leftovers.ts';
import { ProcessRegistry } from '../topology/process-registry.ts';
import { Reaper } from '../topology/reaper.ts';
import { killStrays } from '../topology/strays.ts';
import type { RunEvent, ScenarioResult } from '../types/results.ts';
import { removeEmptyUp } from '../util/empty-folders.ts';
import { probeReplayCommand } from './replay.ts';
import { type LadderOutcome, runScenario, type ScenarioContext } from './scenario-runner.ts';

export interface SessionOptions {
  cwd: string;
  config: ResolvedConfig;
  seed: number;
  turnTimeoutMs?: number;
  artifactsDir?: string;
  llmHandlers?: RequestHandler[];
  onEvent: (e: RunEvent) => void;
  signal?: AbortSignal;
  /** Run the probe ladder for failed scenarios. @default true */
  diagnoseFailures?: boolean;
  /** Climb the ladder's long-term rung (the config says so, or a scenario tagged `long-term` runs). */
  longTerm?: boolean;
}

/**
 * What every scenario of one run shares: the run id, the mock LLM, the process registry
 * (and its exit hook), ports, scratch and artifact folders, and the probe ladder's results
 * (one ladder per topology shape per run). Released by one `close`.
 */
export class RunSession implements AsyncDisposable {
  readonly runId =
    `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  registry = new ProcessRegistry();
  readonly ports = new PortAllocator();
  readonly artifactsDir: string;
  /** What the app and its services inherit: amnesia's environment minus credentials. */
  readonly environment: InheritedEnvironment;
  private readonly o: SessionOptions;
  private readonly ladders = new Map<string, Promise<{ outcome: LadderOutcome; result: ScenarioResult }>>();
  private llm!: MockLlm;
  private postgresPool: EmbeddedPostgresPool | undefined;
  private containers: ContainerEngine | undefined;
  /** Scenarios the run will still start (a spare database is warmed only for them). */
  pending = 0;
  private scratchDir!: string;
  /** NODE_COMPILE_CACHE of every worker of the run (in its scratch space), when the config wants one. */
  private compileCacheDir: string | undefined;
  /** Service data folders, apart from the 0700 scratch space: services may drop privileges (0711). */
  private servicesDir: string | undefined;
  private reaper: Reaper | undefined;
  private uninstall: () => void = () => {};

  private constructor(o: SessionOptions) {
    this.o = o;
    this.environment = inheritedEnvironment(process.env, o.config.passEnv, o.config.cleanEnv);
    this.artifactsDir = path.resolve(o.cwd, o.artifactsDir ?? path.join('.amnesia', 'runs', this.runId));
  }

  static async open(o: SessionOptions): Promise<RunSession> {
    const s = new RunSession(o);
    try {
      await sweepLeftovers();
      // Kills what the run started, and removes its folders, even if amnesia is killed with SIGKILL.
      s.reaper = await Reaper.start(s.runId);
      s.reaper.watchFolder(s.copiesDir);
      s.scratchDir = await makeScratch(s.runId, 'run', [s.copiesDir]);
      s.reaper.watchFolder(s.scratchDir);
      s.registry = new ProcessRegistry(s.reaper, s.scratchDir);
      if (o.config.app.compileCache && o.config.app.runtime === 'process') {
        s.compileCacheDir = path.join(s.scratchDir, 'compile-cache');
        await mkdir(s.compileCacheDir);
      }
      s.uninstall = s.registry.killOnExit();
      if (o.config.services.some((x) => x.kind === 'command' || x.kind === 'embedded-postgres')) {
        s.servicesDir = await makeScratch(s.runId, 'services', [], 0o711);
        s.reaper.watchFolder(s.servicesDir);
      }
      // Before anything else starts: no engine means exit 2 at once, not an error per scenario.
      if (needsContainers(o.config)) {
        s.reaper.watchLabel(`${LABEL.run}=${s.runId}`);
        s.containers = await ContainerEngine.open(s.runId, o.cwd);
      }
      s.llm = await startMockLlm({
        handlers: [...(o.llmHandlers ?? []), ...(await userHandlers(o.config))],
        maxRequestBytes: o.config.llm.maxRequestBytes,
      });
      const pg = o.config.services.filter((x) => x.kind === 'embedded-postgres');
      if (pg.length > 0) {
        s.postgresPool = new EmbeddedPostgresPool({
          cwd: o.cwd,
          env: s.environment.env,
          // Apart from the 0700 scratch space: as root, PostgreSQL runs as another user.
          dir: path.join(s.servicesDir ?? s.scratchDir, 'postgres'),
          registry: s.registry,
          ports: s.ports,
          engines: [...new Set(pg.map((x) => x.engine))],
          maxClients: 2 * LIMITS.processes,
          bootTimeoutMs: Math.max(...pg.map((x) => x.bootTimeoutMs)),
          wanted: () => s.pending > 0,
          ...(o.signal ? { signal: o.signal } : {}),
        });
      }
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  /**
   * Replica copies (copy mode) go in the app folder's own top-level `.amnesia/`, which a copy
   * skips: never inside what is copied (a config in a subfolder of the app, `cwd: ..`), and
   * module resolution from a copy walks up through the app folder and its parents, as from the app.
   */
  private get copiesDir(): string {
    return path.join(this.o.config.app.cwd, '.amnesia', 'replicas', this.runId);
  }

  /**
   * Run one scenario; a failed one gets the probe ladder's diagnosis. `signal` cancels this
   * scenario alone (a test's timeout), besides the session's own signal.
   */
  runScenario(s: Scenario, slug: string, replay: string, signal?: AbortSignal): Promise<ScenarioResult> {
    this.pending = Math.max(0, this.pending - 1);
    return runScenario(s, {
      ...this.context(slug, replay, s.seed ?? this.o.seed, signal),
      controls: true,
      ...(this.o.diagnoseFailures === false
        ? {}
        : { probe: (t: Topology) => this.ladder(t).then((l) => l.outcome) }),
    });
  }

  /**
   * The probe ladder on a fresh topology of this shape; memoized for the run. A serverless
   * topology adds the rung SL (on a serverless slot of its own) to the six, which run on
   * long-lived workers of the same shape.
   */
  ladder(topology: Topology): Promise<{ outcome: LadderOutcome; result: ScenarioResult }> {
    const shape = { replicas: topology.replicas, workers: topology.workers };
    const key = `${shape.replicas}x${shape.workers}`;
    const { probe } = this.o.config;
    const options = { ...probe, longTerm: probe.longTerm || Boolean(this.o.longTerm) };
    const six = this.memoLadder(key, shape, () => buildLadder(shape, options));
    if (!topology.serverless) return six;
    return six.then(async ({ outcome, result }) => {
      const sl = await this.memoLadder('serverless', topology, () => buildServerlessRung(probe));
      return {
        outcome: {
          rungs: [...outcome.rungs, ...sl.outcome.rungs],
          appErrors: [...outcome.appErrors, ...sl.outcome.appErrors],
          leak: outcome.leak || sl.outcome.leak,
          cookieReplaced: outcome.cookieReplaced || sl.outcome.cookieReplaced,
        },
        result,
      };
    });
  }

  private memoLadder(
    key: string,
    topology: Topology,
    build: () => Ladder,
  ): Promise<{ outcome: LadderOutcome; result: ScenarioResult }> {
    let pending = this.ladders.get(key);
    if (!pending) {
      const ladder = build();
      pending = runScenario(ladder.scenario, {
        ...this.context(
          slugify(`probe-ladder-${key}`),
          probeReplayCommand(topology, {
            cwd: this.o.cwd,
            configFile: this.o.config.file,
            seed: this.o.seed,
          }),
          this.o.seed,
        ),
        controls: false,
        ladder: true,
      }).then((result) => ({ outcome: readLadder(ladder, result), result }));
      this.ladders.set(key, pending);
    }
    return pending;
  }

  /**
   * What a scenario (or a load run) of this run needs: the LLM, registry, ports, folders, services'
   * pool (the code-first harness drives one turn by turn).
   */
  context(
    slug: string,
    replay: string,
    seed: number,
    signal?: AbortSignal,
  ): Omit<ScenarioContext, 'controls'> {
    const signals = [this.o.signal, signal].filter((x) => x !== undefined);
    return {
      runId: this.runId,
      cwd: this.o.cwd,
      config: this.o.config,
      llm: this.llm,
      registry: this.registry,
      ports: this.ports,
      seed,
      ...(this.o.turnTimeoutMs ? { turnTimeoutMs: this.o.turnTimeoutMs } : {}),
      scratchDir: this.scratchDir,
      servicesDir: this.servicesDir ?? this.scratchDir,
      environment: this.environment,
      copiesDir: this.copiesDir,
      artifactsDir: this.artifactsDir,
      slug,
      replay,
      onEvent: this.o.onEvent,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      ...(this.postgresPool ? { postgresPool: this.postgresPool } : {}),
      ...(this.containers ? { containers: this.containers } : {}),
      ...(this.compileCacheDir ? { compileCacheDir: this.compileCacheDir } : {}),
    };
  }

  /** Kill what is left, stop the LLM, remove scratch space. Idempotent. */
  async close(): Promise<void> {
    await this.postgresPool?.close();
    await this.containers?.close();
    if (this.containers) this.reaper?.releaseLabel(`${LABEL.run}=${this.runId}`);
    await this.registry.close();
    // Daemons that left their worker's process group (each scenario's teardown kills its own; this
    // is for what no scenario stopped: a cancelled run, the code-first harness).
    await killStrays(this.runId);
    await this.llm?.stop();
    for (const dir of [this.scratchDir, this.servicesDir, this.copiesDir]) {
      if (!dir) continue;
      await rm(dir, { recursive: true, force: true });
      this.reaper?.releaseFolder(dir);
    }
    await removeEmptyUp(path.dirname(this.copiesDir), this.o.config.app.cwd);
    // A run where nothing failed leaves no `.amnesia/runs/<id>/` (a folder given by the caller stays).
    if (this.o.artifactsDir === undefined) await removeEmptyUp(this.artifactsDir, this.o.cwd);
    await this.reaper?.close();
    this.uninstall();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function userHandlers(config: ResolvedConfig): Promise<RequestHandler[]> {
  if (!config.llm.handlers) return [];
  const mod = (await import(pathToFileURL(config.llm.handlers).href)) as { default?: unknown };
  if (!Array.isArray(mod.default)) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      `llm.handlers: ${config.llm.handlers} must export default a list of msw handlers, e.g. \`export default [http.post('*/chat/completions', …)]\``,
    );
  }
  return mod.default as RequestHandler[];
}
