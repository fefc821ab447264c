import type { RequestHandler } from 'msw';
import type { ResolvedConfig } from '../config/types.ts';
import { newSeed } from '../plan/random.ts';
import { replayCommand } from '../run/replay.ts';
import { RunSession } from '../run/session.ts';
import type { Scenario } from '../scenario/types.ts';
import type { ScenarioResult } from '../types/results.ts';

export interface FileRunOptions {
  seed?: number;
  turnTimeoutMs?: number;
  llmHandlers?: RequestHandler[];
  diagnoseFailures: boolean;
}

/**
 * The run behind one `describeScenarios` call: one RunSession (mock LLM, process registry,
 * embedded-database pool, probe ladders), opened by the first scenario that runs and closed
 * after the last, so that skipped and filtered files cost nothing.
 */
export class FileRun {
  private readonly cwd: string;
  private readonly config: () => Promise<ResolvedConfig>;
  private readonly o: FileRunOptions;
  private session: Promise<{ session: RunSession; config: ResolvedConfig; seed: number }> | undefined;
  private pending = 0;

  constructor(cwd: string, config: () => Promise<ResolvedConfig>, o: FileRunOptions) {
    this.cwd = cwd;
    this.config = config;
    this.o = o;
  }

  /** How many scenarios will run: the database pool warms a spare only while more are coming. */
  expect(count: number): void {
    this.pending = count;
  }

  async scenario(s: Scenario, slug: string, signal: AbortSignal): Promise<ScenarioResult> {
    const { session, config, seed } = await this.open();
    session.pending = this.pending;
    this.pending = Math.max(0, this.pending - 1);
    return session.runScenario(
      s,
      slug,
      replayCommand(s.file, { cwd: this.cwd, configFile: config.file, seed }),
      signal,
    );
  }

  /** Stop everything the scenarios left (a spare database, a probe ladder still running). */
  async close(): Promise<void> {
    const opened = await this.session?.catch(() => undefined);
    await opened?.session.close();
  }

  private open() {
    this.session ??= (async () => {
      const config = await this.config();
      const seed = this.o.seed ?? config.seed ?? newSeed();
      const session = await RunSession.open({
        cwd: this.cwd,
        config,
        seed,
        onEvent: () => {},
        diagnoseFailures: this.o.diagnoseFailures,
        ...(this.o.turnTimeoutMs ? { turnTimeoutMs: this.o.turnTimeoutMs } : {}),
        ...(this.o.llmHandlers ? { llmHandlers: this.o.llmHandlers } : {}),
      });
      return { session, config, seed };
    })();
    return this.session;
  }
}
