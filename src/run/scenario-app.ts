import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.ts';
import { containerRuntime } from '../container/container-topology.ts';
import type { ContainerEngine } from '../container/engine.ts';
import { AmnesiaError } from '../errors.ts';
import type { MockLlm } from '../llm/index.ts';
import type { Topology } from '../scenario/types.ts';
import type { EmbeddedPostgresPool } from '../services/embedded-postgres.ts';
import { type StartedServices, startServices } from '../services/services.ts';
import type { InheritedEnvironment } from '../topology/environment.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import { OutsideWrites } from '../topology/outside-writes.ts';
import type { ProcessRegistry } from '../topology/process-registry.ts';
import { processRuntime } from '../topology/process-topology.ts';
import { serverlessRuntime } from '../topology/serverless-topology.ts';
import { killStrays, type StrayProcess } from '../topology/strays.ts';
import type { Runtime, StartedTopology, TopologyEvent } from '../topology/types.ts';
import type { RunEvent } from '../types/results.ts';
import { placeholders } from '../util/template.ts';

/** What starting an app needs from the run (a ScenarioContext has it all). */
export interface AppContext {
  runId: string;
  config: ResolvedConfig;
  llm: MockLlm;
  registry: ProcessRegistry;
  ports: PortAllocator;
  /** Where copies of the app go in copy mode (inside the project). */
  copiesDir: string;
  /** Where command services keep their data (a folder per scenario is made in it). */
  servicesDir: string;
  /** What the app and its services inherit of amnesia's environment (credentials withheld). */
  environment: InheritedEnvironment;
  /** The run's container engine, when the config asks for containers. */
  containers?: ContainerEngine;
  /** NODE_COMPILE_CACHE of every worker (Node apps on the process runtime, unless `app.compile_cache: false`). */
  compileCacheDir?: string;
  /** Names the app in URLs and file names (the scenario slug). */
  slug: string;
  onEvent: (e: RunEvent) => void;
  signal?: AbortSignal;
  postgresPool?: EmbeddedPostgresPool;
}

/** Where one scenario's app runs: its own topology shape, scratch space and log folder. */
export interface ScenarioAppOptions {
  /** The scenario's name, in progress events. */
  name: string;
  topology: Topology;
  /** Seeds serverless warm reuse. */
  seed: number;
  /** The most workers it will run at once (sizes the services' connection limits). */
  maxProcesses: number;
  scratchDir: string;
  logsDir: string;
  /** Hears every event of the topology (a step with turns in flight waits for stop signals). */
  onTopologyEvent?: (e: TopologyEvent) => void;
}

/** A scenario's app: its topology and its services, and one stop for the topology, then the services. */
export interface ScenarioApp extends AsyncDisposable {
  topology: StartedTopology;
  services: StartedServices;
  /** Stops the topology, the services, then kills the daemons the app left (see `daemons`). */
  stop(): Promise<void>;
  /**
   * Processes of this app still running once its workers' process groups were killed (daemons that
   * left the group, e.g. with `setsid`), found by their environment and killed by `stop`.
   */
  readonly daemons: readonly StrayProcess[];
  /**
   * What the app's workers wrote in the folder above the app's (`../storage/ (new)`), found by
   * `stop` (process runtime only: a container's writes stay in it); `shared` when that folder is
   * the real one, which every replica shares (overlay mode), not one beside each copy.
   */
  readonly outside: { entries: readonly string[]; shared: boolean };
}

/**
 * Start the app of one scenario (or of one load run): its services, then its topology, with every
 * worker pointed at the mock LLM (its own scoped base URL), the services and the run's compile
 * cache. If anything fails to start, what did start is stopped before the error is rethrown.
 */
export async function startScenarioApp(ctx: AppContext, o: ScenarioAppOptions): Promise<ScenarioApp> {
  const runtime = runtimeFor(ctx, o.topology);
  const sharedDir = await makeSharedDir(ctx, o.scratchDir);
  /** What workers of copies wrote beside their copy (each replica has its own; removed with it). */
  const copied: string[] = [];
  const watch =
    ctx.config.app.runtime === 'process'
      ? await OutsideWrites.start(ctx.config.app.cwd, [ctx.copiesDir])
      : undefined;
  const services = await startServices(ctx.config.services, {
    ...(ctx.postgresPool ? { postgresPool: ctx.postgresPool } : {}),
    dir: path.join(ctx.servicesDir, ctx.slug),
    // The run id lets its reaper find a service amnesia was killed while starting (before the
    // reaper heard of its process group), as it finds the app's daemons.
    env: { ...ctx.environment.env, AMNESIA_RUN_ID: ctx.runId },
    logsDir: o.logsDir,
    registry: ctx.registry,
    ports: ctx.ports,
    maxClients: o.maxProcesses * 2,
    ...(ctx.containers ? { containers: ctx.containers } : {}),
    scope: ctx.slug,
    stopGraceMs: ctx.config.app.stopGraceMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  let topology: StartedTopology;
  try {
    topology = await runtime.start({
      scope: ctx.slug,
      topology: o.topology,
      app: ctx.config.app,
      runDir: path.join(o.scratchDir, 'replicas'),
      copyDir: path.join(ctx.copiesDir, ctx.slug),
      onOutsideWrites: (entries) => copied.push(...entries),
      logsDir: o.logsDir,
      registry: ctx.registry,
      ports: ctx.ports,
      baseEnv: withCompileCache(ctx.environment.env, ctx.compileCacheDir),
      workerEnv: (w) => ({
        ...services.env,
        [ctx.config.llm.baseUrlEnv]: ctx.llm.baseUrl(ctx.slug, w.id),
        [ctx.config.llm.apiKeyEnv]: 'amnesia-mock-key',
        // The Anthropic SDKs read these and add `/v1/messages` themselves: the worker's URL without `/v1`.
        ANTHROPIC_BASE_URL: anthropicBaseUrl(ctx.llm.baseUrl(ctx.slug, w.id)),
        ANTHROPIC_API_KEY: 'amnesia-mock-key',
        AMNESIA_REPLICA: String(w.replica),
        AMNESIA_WORKER: String(w.worker),
        [ctx.config.dataDirEnv]: w.dataDir,
        ...(sharedDir ? { AMNESIA_SHARED_DIR: sharedDir } : {}),
        AMNESIA_RUN_ID: ctx.runId,
        // With the run id, how the teardown finds what the app left outside its process groups.
        AMNESIA_SCOPE: ctx.slug,
      }),
      placeholders: (w) => ({
        ...llmPlaceholders(ctx.llm.baseUrl(ctx.slug, w.id)),
        ...(sharedDir ? { shared_dir: sharedDir } : {}),
      }),
      hidden: [ctx.llm.key],
      onEvent: (e) => {
        o.onTopologyEvent?.(e);
        if (e.type === 'worker-ready') {
          ctx.onEvent({
            type: 'worker-ready',
            scenario: o.name,
            worker: e.worker.id,
            pid: e.worker.pid,
            bootMs: e.bootMs,
            generation: e.worker.generation,
          });
        }
      },
      seed: o.seed,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (e) {
    await services.stop();
    throw e;
  }
  const daemons: StrayProcess[] = [];
  const outside = { entries: [] as string[], shared: false };
  const stop = async () => {
    try {
      await topology.stop();
    } finally {
      await services.stop();
      daemons.push(...(await killStrays(ctx.runId, ctx.slug)));
      if (outside.entries.length === 0) {
        const real = (await watch?.changes()) ?? [];
        outside.shared = real.length > 0;
        outside.entries = [...new Set([...copied, ...real])].sort();
      }
    }
  };
  return { topology, services, stop, daemons, outside, [Symbol.asyncDispose]: stop };
}

function runtimeFor(ctx: AppContext, topology: Topology): Runtime {
  if (ctx.config.app.runtime === 'container') {
    if (topology.serverless) {
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        'topology.serverless runs on the process runtime only: drop `serverless`, or run with `--runtime process`',
      );
    }
    if (ctx.containers) return containerRuntime(ctx.containers);
  }
  return topology.serverless ? serverlessRuntime : processRuntime;
}

/**
 * Node reads NODE_COMPILE_CACHE and keeps compiled code (and stripped TypeScript) there: every
 * worker of the run shares one folder, so boots after the first skip compiling. It holds code,
 * never state. A value already in amnesia's environment is the user's choice and stays.
 */
function withCompileCache(env: NodeJS.ProcessEnv, dir: string | undefined): NodeJS.ProcessEnv {
  if (!dir || env.NODE_COMPILE_CACHE !== undefined) return env;
  return { ...env, NODE_COMPILE_CACHE: dir };
}

/**
 * `{{shared_dir}}` (and $AMNESIA_SHARED_DIR): one folder every replica and generation of this
 * scenario's app shares, as a network volume would be in production; fresh for each scenario
 * of each run (in its scratch space, removed with it). The process runtime only: containers
 * would need a volume of their own, so there a config that asks for it is refused.
 */
async function makeSharedDir(ctx: AppContext, scratchDir: string): Promise<string | undefined> {
  if (ctx.config.app.runtime === 'container') {
    const { command, env } = ctx.config.app;
    const texts = [...(typeof command === 'string' ? [command] : command), ...Object.values(env)];
    if (texts.some((t) => placeholders(t).includes('shared_dir'))) {
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        '{{shared_dir}} works on the process runtime only: on the container runtime, give the app a service (a database, `redis: {}`) for what its replicas share, or run with `--runtime process`',
      );
    }
    return undefined;
  }
  const dir = path.join(scratchDir, 'shared');
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * `{{llm_base_url}}`, `{{llm_chat_url}}` and `{{llm_anthropic_url}}` in `app.env` and `app.command`:
 * the worker's own mock LLM.
 */
function llmPlaceholders(baseUrl: string): Record<string, string> {
  return {
    llm_base_url: baseUrl,
    llm_chat_url: `${baseUrl}/chat/completions`,
    llm_anthropic_url: anthropicBaseUrl(baseUrl),
  };
}

/** The base URL an Anthropic client takes (it appends `/v1/messages`): the worker's URL without `/v1`. */
function anthropicBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, '');
}
