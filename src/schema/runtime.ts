/**
 * The runtimes an app can run on: the config's `app.runtime`, the CLI's `--runtime` choices and the
 * type of every option that names one come from this list (a new runtime is added here once).
 */
export const RUNTIMES = ['process', 'container'] as const;

/** Where the topology runs: child processes on 127.0.0.1, or a container per replica. */
export type RuntimeName = (typeof RUNTIMES)[number];
