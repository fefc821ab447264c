// A pause in the container runtime: the worker's process group inside its container is stopped
// (kill -STOP through the engine) and continued, in the same container, with its memory.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { basicContainerProject, disruptionsOf, ENGINE, labelled, turnsOf } from './helpers.ts';

describe.runIf(ENGINE)('container runtime: pause', { timeout: 180_000 }, () => {
  it('stops the worker in its container for a while: a client with a shorter timeout gives up, the next turn is answered there', async () => {
    await using project = await basicContainerProject(
      'global',
      `name: container pause
topology: { replicas: 1, workers: 1 }
timeout: 1s
steps:
  - user: My cat is called Miso.
  - pause: { target: r1w1, for: 3s }
    during:
      - { user: I like tea., expect: { error: allowed } }
  - { user: "What is my cat called?", expect: { recall: [Miso] } }
`,
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.status).toBe('passed');
    const [pause] = disruptionsOf(result);
    expect(pause).toMatchObject({
      type: 'pause',
      description: 'pause r1w1 for 3000 ms (SIGSTOP, then SIGCONT)',
      changes: [{ id: 'r1w1' }],
    });
    const [said, inFlight, asked] = turnsOf(result);
    expect(inFlight?.failure?.kind).toBe('timeout');
    expect(asked?.container).toBe(said?.container);
    expect(asked?.pid).toBe(said?.pid);
    expect(labelled(result.runId)).toEqual([]);
  });
});
