// The LlamaIndex family in the container runtime: each replica a container of the app image,
// its workers processes in it. Where each app keeps memory must show exactly as the failure
// table says, now because replicas really are separate containers (own filesystem, own RAM).
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { ENGINE, labelled, llamaProject, turnsOf, verdicts } from './helpers.ts';

const SAID = '  - { user: "My cat is called Miso.", on: r1w1 }\n';
const ask = (on: string) => `  - { user: "What is my cat called?", on: ${on}, expect: { recall: [Miso] } }\n`;

describe.runIf(ENGINE)('the LlamaIndex apps in the container runtime', { timeout: 300_000 }, () => {
  it('global-map.ts (row 2): kept by the worker that heard it, lost on the other worker of the same container', async () => {
    await using project = await llamaProject(
      'global-map.ts',
      `name: global map\ntopology: { replicas: 1, workers: 2 }\nsteps:\n${SAID}${ask('r1w1')}${ask('r1w2')}`,
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(verdicts(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✗']);
    const [, same, other] = turnsOf(result);
    // Both workers are processes of one container, each its own pid.
    expect(same?.container).toMatch(/^[0-9a-f]{12}$/);
    expect(other?.container).toBe(same?.container);
    expect(other?.pid).not.toBe(same?.pid);
    expect(result.exitCode).toBe(1);
    expect(labelled(result.runId)).toEqual([]);
  });

  it('local-disk.ts (row 3): kept across the workers of a container, its restart and a crash; lost on another replica and after a redeploy', async () => {
    await using project = await llamaProject(
      'local-disk.ts',
      `name: local disk
topology: { replicas: 2, workers: 2 }
steps:
${SAID}${ask('r1w2')}${ask('r2w1')}  - restart: r1
${ask('r1w1')}  - crash: r1w2
${ask('r1w2')}  - redeploy: r1
${ask('r1w1')}`,
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(verdicts(result)).toEqual([
      'main#1 ✓',
      'main#2 ✓', // OW: the other worker reads the same ./storage in the same container
      'main#3 ✗', // OR: replica 2 is another container
      'main#4 ✓', // the container restarted: its files stay
      'main#5 ✓', // a worker crashed and was respawned in the same container
      'main#6 ✗', // RD: a new container from the image, without ./storage
    ]);
    const turns = turnsOf(result);
    expect(turns[3]?.container).toBe(turns[0]?.container);
    expect(turns[5]?.container).not.toBe(turns[0]?.container);
    expect(labelled(result.runId)).toEqual([]);
  });

  it('redis.ts (the fix): kept across replicas and a redeploy of every container, with Redis in a container', async () => {
    await using project = await llamaProject(
      'redis.ts',
      `name: redis\ntopology: { replicas: 2, workers: 1 }\nsteps:\n${SAID}${ask('r2w1')}  - redeploy: at-once\n${ask('r1w1')}`,
      'services:\n  cache: { redis: {} }\n',
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(verdicts(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✓']);
    expect(result.exitCode).toBe(0);
    expect(labelled(result.runId)).toEqual([]);
  });
});
