import type { ProcessRegistry } from '../topology/process-registry.ts';

/** What starting one database server of a run takes, whichever engine serves it. */
export interface DatabaseServerOptions {
  env: NodeJS.ProcessEnv;
  name: string;
  /** This database's own folder (removed by the caller; traversable by the server's user when amnesia is root). */
  dir: string;
  logFile: string;
  maxClients: number;
  bootTimeoutMs: number;
  registry: ProcessRegistry;
  signal?: AbortSignal;
}
