// Faults on a backend between turns, against the correct Redis variant (redis.ts: memory in
// Redis, keyed by session, read on every request): restart_service (Redis saves on a graceful
// shutdown, so memory survives), outage (node-redis queues the request until Redis is back,
// so the turn during the outage answers, late, and remembers), wipe_service (empty Redis: the
// app has nothing else, so it forgets). Once with Redis as a container, once as a command
// (the same faults by signals). Then postgres.ts against a PostgreSQL container: pg does not
// queue, so the turn during the outage fails, as its scenario says it must.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import {
  disruptionsOf,
  ENGINE,
  labelled,
  llamaProcessProject,
  llamaProject,
  turnsOf,
  verdicts,
  whyNotPassed,
} from './helpers.ts';

describe.runIf(ENGINE)('service faults between turns', { timeout: 300_000 }, () => {
  it('a Redis container: restart keeps memory, the turn during an outage waits and remembers, a wipe forgets', async () => {
    await using project = await llamaProject(
      'redis.ts',
      `name: redis faults
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - restart_service: cache
  - user: What is my cat called?
    expect: { recall: [Miso] }
  - outage: { service: cache, for: 3s }
  - user: What is my cat called, while Redis is down?
    expect: { recall: [Miso] }
  - user: And once Redis is back?
    expect: { recall: [Miso] }
  - wipe_service: cache
  - user: What is my cat called now?
    expect: { forget: [Miso] }
`,
      'services:\n  cache: { redis: {} }\n',
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(verdicts(result), whyNotPassed(result)).toEqual([
      'main#1 ✓',
      'main#2 ✓',
      'main#3 ✓',
      'main#4 ✓',
      'main#5 ✓',
    ]);
    const turns = turnsOf(result);
    expect(turns[2]?.during).toEqual(['outage of cache']);
    expect(turns[3]?.during).toBeUndefined();
    expect(turns[2]?.after).toEqual(['outage of service cache for 3000 ms']);
    const [restart, outage, wipe] = disruptionsOf(result);
    expect(restart?.type).toBe('restart_service');
    expect(restart?.service?.after).toBe(restart?.service?.before); // the same container, started again
    expect(outage?.service).toMatchObject({ name: 'cache', outageMs: 3000 });
    expect(wipe?.type).toBe('wipe_service');
    expect(wipe?.service?.after).toMatch(/^container [0-9a-f]{12}$/);
    expect(wipe?.service?.after).not.toBe(wipe?.service?.before); // a new, empty container
    expect(labelled(result.runId)).toEqual([]);
  });

  it('a redis-server command: the same faults by signals (SIGTERM saves, the wipe empties its folder)', async () => {
    await using project = await llamaProcessProject(
      'redis.ts',
      `name: redis command faults
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - restart_service: { service: cache, grace: 5s }
  - user: What is my cat called?
    expect: { recall: [Miso] }
  - wipe_service: cache
  - user: What is my cat called now?
    expect: { forget: [Miso] }
`,
      `services:
  cache:
    command: redis-server --port {{port}} --bind 127.0.0.1 --dir {{dir}}
    ready: { log: Ready to accept connections }
    url: redis://127.0.0.1:{{port}}
    env: REDIS_URL
`,
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(verdicts(result), whyNotPassed(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✓']);
    const [restart, wipe] = disruptionsOf(result);
    expect(restart?.service?.before).toMatch(/^pid \d+$/);
    expect(restart?.service?.after).toMatch(/^pid \d+$/);
    expect(restart?.service?.after).not.toBe(restart?.service?.before);
    expect(wipe?.description).toBe('wipe service cache (started again on empty data)');
  });

  it('a PostgreSQL container and postgres.ts: turns during an outage fail as the scenario expects, memory is back after it', async () => {
    await using project = await llamaProject(
      'postgres.ts',
      `name: postgres outage
topology: { replicas: 1, workers: 1 }
steps:
  - user: My cat is called Miso.
  - restart_service: db
  - user: What is my cat called?
    expect: { recall: [Miso] }
  - outage: { service: db, for: 2s }
  - user: Are you there?
    expect: { error: true }
  - wait: 2s
  - user: What is my cat called, now?
    expect: { recall: [Miso] }
`,
      'services:\n  db: { postgres: {} }\n',
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    expect(result.scenarios[0]?.error).toBeUndefined();
    expect(verdicts(result), whyNotPassed(result)).toEqual(['main#1 ✓', 'main#2 ✓', 'main#3 ✓', 'main#4 ✓']);
    const during = turnsOf(result)[2];
    expect(during?.during).toEqual(['outage of db']);
    expect(during?.failure?.message).toMatch(/500/);
    expect(labelled(result.runId)).toEqual([]);
  });

  it('validation names a fault on a service the config does not have, or cannot fault', async () => {
    await using project = await llamaProcessProject(
      'redis.ts',
      'name: bad faults\nsteps:\n  - user: Hi.\n  - restart_service: kache\n  - outage: { service: db, for: 1s }\n',
      'services:\n  cache: { url: "redis://127.0.0.1:1", env: REDIS_URL }\n  db: { postgres: embedded }\n',
    );
    await expect(run({ cwd: project.dir })).rejects.toThrow(
      /steps\[1\]\.restart_service: no service `kache` in the config\n {4}hint: services: `cache`, `db`[\s\S]*steps\[2\]\.outage: service `db` is not one amnesia runs/,
    );
  });
});
