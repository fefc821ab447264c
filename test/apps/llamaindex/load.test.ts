// The main job's app (README: amnesia.config.yaml at the repository root, postgres-append.ts: a row
// per message, drained on SIGTERM) under `amnesia load`: many sessions at once through the config's
// rolling redeploy. An app that is right under concurrency stays green under load.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTest } from '../../../src/index.ts';
import { REPO } from '../../helpers/cli.ts';

describe('the main job’s LlamaIndex.TS app under load', () => {
  it('keeps every memory of 60 sessions × 5 turns, 12 at once, through a rolling redeploy', {
    timeout: 300_000,
  }, async () => {
    const r = await loadTest({ cwd: REPO, sessions: 60, turns: 5, concurrency: 12 });
    expect(r.error).toBeUndefined();
    expect(r.configFile).toBe(path.join(REPO, 'amnesia.config.yaml'));
    expect(r.scenarioFile).toBe(path.join(REPO, 'scenarios/rolling-redeploy.yaml'));
    expect(r.disruptions.map((d) => d.description)).toEqual([
      expect.stringMatching(/^redeploy all \(rolling/),
    ]);
    // 300 turns of traffic, then every session asks once more after the redeploy, on the new generation.
    expect(r.turns).toMatchObject({ sent: 360, sweep: 60, failed: 0 });
    expect(r.sweeps.map((s) => [s.sessions, s.checked, s.memories.lost])).toEqual([[60, 60, 0]]);
    expect(r.sweeps[0]?.workers.every((w) => w.generation === 2 && w.turns > 0)).toBe(true);
    expect([r.memories.lost, r.memories.leaked]).toEqual([0, 0]);
    expect(r.memories.kept).toBeGreaterThan(0);
    expect([r.llm.misattributed, r.llm.unattributed]).toEqual([0, 0]);
    expect(r.exitCode).toBe(0);
  });
});
