import path from 'node:path';
import { AmnesiaError } from '../errors.ts';
import type { Topology } from '../scenario/types.ts';
import { type StartedServices, startServices } from '../services/services.ts';
import { containerRuntime } from '../topology/container-topology.ts';
import { processRuntime } from '../topology/process-topology.ts';
import { serverlessRuntime } from '../topology/serverless-topology.ts';
import type { Runtime, StartedTopology, TopologyEvent } from '../topology/types.ts';
import type { ScenarioContext } from './scenario-runner.ts';

/** What one scenario (or one load run) talks to: its services and its topology of the app. */
export interface Stack {
  services: StartedServices;
  topology: StartedTopology;
  /** Stops the topology, then the services. Idempotent. */
  stop(): Promise<void>;
}

export interface StackShape {
  topology: Topology;
  /** Seeds serverless warm reuse. */
  seed: number;
  /** How many app processes may run at once (sizes the services' connection limits). */
  maxProcesses: number;
  /** The scenario's artifact folder (logs go in its `logs/`). */
  artifactsDir: string;
  /** The scenario's private scratch folder (replica disks go in its `replicas/`). */
  scratch: string;
  onTopologyEvent?: (e: TopologyEvent) => void;
}

type StackContext = Pick<
  ScenarioContext,
  | 'runId'
  | 'config'
  | 'llm'
  | 'registry'
  | 'ports'
  | 'servicesDir'
  | 'environment'
  | 'copiesDir'
  | 'slug'
  | 'signal'
  | 'postgresPool'
  | 'containers'
  | 'compileCacheDir'
>;

/**
 * Start the services, then the app's topology with every worker's environment: the services'
 * URLs, its own mock LLM URL (scoped by `ctx.slug` and worker), ids, data dir, the shared compile
 * cache. On failure, whatever started is stopped before the error is rethrown.
 */
export async function startStack(ctx: StackContext, shape: StackShape): Promise<Stack> {
  const logsDir = path.join(shape.artifactsDir, 'logs');
  const services = await startServices(ctx.config.services, {
    ...(ctx.postgresPool ? { postgresPool: ctx.postgresPool } : {}),
    dir: path.join(ctx.servicesDir, ctx.slug),
    env: ctx.environment.env,
    logsDir,
    registry: ctx.registry,
    ports: ctx.ports,
    maxClients: shape.maxProcesses * 2,
    ...(ctx.containers ? { containers: ctx.containers } : {}),
    scope: ctx.slug,
    stopGraceMs: ctx.config.app.stopGraceMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  let topology: StartedTopology;
  try {
    topology = await runtimeFor(ctx, shape.topology).start({
      scope: ctx.slug,
      topology: shape.topology,
      app: ctx.config.app,
      runDir: path.join(shape.scratch, 'replicas'),
      copyDir: path.join(ctx.copiesDir, ctx.slug),
      logsDir,
      registry: ctx.registry,
      ports: ctx.ports,
      baseEnv: withCompileCache(ctx.environment.env, ctx.compileCacheDir),
      workerEnv: (w) => ({
        ...services.env,
        [ctx.config.llm.baseUrlEnv]: ctx.llm.baseUrl(ctx.slug, w.id),
        [ctx.config.llm.apiKeyEnv]: 'amnesia-mock-key',
        AMNESIA_REPLICA: String(w.replica),
        AMNESIA_WORKER: String(w.worker),
        [ctx.config.dataDirEnv]: w.dataDir,
        AMNESIA_RUN_ID: ctx.runId,
      }),
      ...(shape.onTopologyEvent ? { onEvent: shape.onTopologyEvent } : {}),
      seed: shape.seed,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (e) {
    await services.stop();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    services,
    topology,
    stop: () => {
      stopping ??= topology
        .stop()
        .catch(() => {})
        .then(() => services.stop());
      return stopping;
    },
  };
}

function runtimeFor(ctx: StackContext, topology: Topology): Runtime {
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
