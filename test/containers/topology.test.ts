// The container runtime's disruptions, on the plain-node app keeping memory in ./storage (row 3),
// so each step shows where a container's files went: scale adds and removes containers and
// workers, a replica crash restarts its container (files kept), a rolling redeploy replaces it.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { basicContainerProject, disruptionsOf, ENGINE, labelled, turnsOf, verdicts } from './helpers.ts';

const ASK = 'What is my cat called?';

describe.runIf(ENGINE)('container runtime disruptions', { timeout: 180_000 }, () => {
  it('scale, a replica crash and a rolling redeploy act on containers and their workers', async () => {
    await using project = await basicContainerProject(
      'disk',
      `name: topology
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - scale: { replicas: 2, workers: 2 }
  - { user: "${ASK}", on: r1w2, expect: { recall: [Miso] } }
  - { user: "${ASK}", on: r2w2, expect: { forget: [Miso] } }
  - crash: r1
  - { user: "${ASK}", on: r1w1, expect: { recall: [Miso] } }
  - scale: { replicas: 1, workers: 1 }
  - redeploy: rolling
  - { user: "${ASK}", on: r1w1, expect: { forget: [Miso] } }
`,
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(verdicts(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✓', 'main#4 ✓', 'main#5 ✓']);
    const [said, sameContainer, otherReplica, afterCrash, afterRedeploy] = turnsOf(result);
    expect(sameContainer?.container).toBe(said?.container);
    expect(otherReplica?.container).not.toBe(said?.container);
    expect(afterCrash?.container).toBe(said?.container);
    expect(afterRedeploy?.container).not.toBe(said?.container);
    const [scaleUp, crash, scaleDown, redeploy] = disruptionsOf(result);
    expect(scaleUp?.changes.map((c) => c.id).sort()).toEqual(['r1w2', 'r2w1', 'r2w2']);
    expect(crash?.changes.map((c) => [c.id, c.before?.exit.signal ?? c.before?.exit.code])).toEqual([
      ['r1w1', 'SIGKILL'],
      ['r1w2', 'SIGKILL'],
    ]);
    expect(scaleDown?.changes.map((c) => c.id).sort()).toEqual(['r1w2', 'r2w1', 'r2w2']);
    expect(redeploy?.changes).toEqual([
      expect.objectContaining({ id: 'r1w1', after: expect.objectContaining({ generation: 2 }) }),
    ]);
    expect(labelled(result.runId)).toEqual([]);
  });
});
