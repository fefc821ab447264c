import path from 'node:path';
import { CLI_CONFIG_HINT, configAt } from '../config/load.ts';
import type { ResolvedConfig } from '../config/types.ts';
import { AbortedError } from '../errors.ts';
import { newSeed } from '../plan/random.ts';
import type { Topology } from '../scenario/types.ts';
import type { RuntimeName } from '../schema/runtime.ts';
import type { Diagnosis, RunEvent, ScenarioResult } from '../types/results.ts';
import { diagnose } from '../verdict/diagnosis.ts';
import { withRuntime } from './run.ts';
import { RunSession } from './session.ts';

export interface ProbeOptions {
  config?: string | ResolvedConfig;
  cwd?: string;
  /** Where the topology runs, instead of the config's `app.runtime`. */
  runtime?: RuntimeName;
  /** Default: the config's topology. Smaller than 2 × 2 skips the rungs it cannot have. */
  topology?: Partial<Topology>;
  artifactsDir?: string;
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
}

export interface ProbeResult {
  runId: string;
  topology: Topology;
  diagnosis: Diagnosis;
  /** The ladder's run, turn by turn. */
  ladder: ScenarioResult;
  /** 0 memory kept on every rung, 1 lost somewhere or leaked, 2 the app could not be probed. */
  exitCode: 0 | 1 | 2;
}

/**
 * The probe ladder alone, against the configured app: the quickest way to classify an app.
 *
 * @example
 * const { diagnosis } = await probe();
 * console.log(diagnosis.signature, diagnosis.rows.map((r) => r.id), diagnosis.advice);
 */
export async function probe(options: ProbeOptions = {}): Promise<ProbeResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const config = withRuntime(await configAt(cwd, options.config, CLI_CONFIG_HINT), options.runtime);
  const topology = { ...config.topology, ...options.topology };
  const session = await RunSession.open({
    cwd,
    config,
    seed: newSeed(),
    onEvent: options.onEvent ?? (() => {}),
    ...(options.artifactsDir ? { artifactsDir: options.artifactsDir } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const { outcome, result } = await session.ladder(topology);
    if (options.signal?.aborted) throw new AbortedError('the probe');
    const diagnosis = diagnose(outcome.rungs, {
      leak: outcome.leak,
      scenarioFailed: false,
      appErrors: outcome.appErrors,
      cookieReplaced: outcome.cookieReplaced,
    });
    const probed = outcome.rungs.some((r) => r.kept !== null);
    const exitCode =
      !probed || result.status === 'error' ? 2 : diagnosis.rows.some((r) => r.id === '✓') ? 0 : 1;
    return { runId: session.runId, topology, diagnosis, ladder: result, exitCode };
  } catch (e) {
    throw e instanceof AbortedError || options.signal?.aborted ? new AbortedError('the probe') : e;
  } finally {
    await session.close();
  }
}
