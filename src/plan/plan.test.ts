import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import { plan } from './plan.ts';

const DEFAULTS = { topology: { replicas: 2, workers: 2 }, topologySource: 'test' };

function scenario(yaml: string): Scenario {
  const { scenario, problems } = parseScenario('t.yaml', yaml, DEFAULTS);
  if (!scenario) throw new Error(problems.map((p) => p.message).join('\n'));
  return scenario;
}

/** Workers chosen for the turns, in order. */
function route(
  yaml: string,
  routing: 'spread' | 'round-robin' | 'random' | 'sticky' = 'spread',
  seed = 1,
): string[] {
  return plan(scenario(yaml), { topology: DEFAULTS.topology, routing, seed }).steps.flatMap((s) =>
    s.kind === 'turn' ? [s.worker] : [],
  );
}

const turns = (n: number, session = 'main') =>
  `name: t\nsteps:\n${Array.from({ length: n }, (_, i) => `  - { session: ${session}, user: "turn ${i}" }`).join('\n')}\n`;

describe('plan: routing', () => {
  it('spread alternates replicas and never repeats the previous worker of the session', () => {
    expect(route(turns(5))).toEqual(['r1w1', 'r2w1', 'r1w2', 'r2w2', 'r1w1']);
  });

  it('spread: the first turn after a crash goes to the crashed worker that served the session', () => {
    const y = 'name: t\nsteps:\n  - user: a\n  - user: b\n  - crash: r2w1\n  - user: c\n  - user: d\n';
    expect(route(y)).toEqual(['r1w1', 'r2w1', 'r2w1', 'r1w2']);
  });

  it('spread: after a disruption of other workers, the first disrupted in order', () => {
    const y = 'name: t\nsteps:\n  - user: a\n  - crash: r2\n  - user: b\n';
    expect(route(y)).toEqual(['r1w1', 'r2w1']);
  });

  it('spread: every session gets its own first turn after a disruption', () => {
    const y = `name: t
steps:
  - { session: alice, user: a }
  - { session: bob, user: b }
  - crash: r1
  - { session: alice, user: c }
  - { session: bob, user: d }
  - { session: bob, user: e }
`;
    expect(route(y)).toEqual(['r1w1', 'r1w1', 'r1w1', 'r1w1', 'r2w1']);
  });

  it('spread: sessions meet in one process, and each still changes worker every turn', () => {
    const y = `name: t
steps:
  - { session: alice, user: a1 }
  - { session: bob, user: b1 }
  - { session: alice, user: a2 }
  - { session: bob, user: b2 }
  - { session: alice, user: a3 }
  - { session: bob, user: b3 }
`;
    const workers = route(y);
    expect(workers).toEqual(['r1w1', 'r1w1', 'r2w1', 'r2w1', 'r1w2', 'r1w2']);
    // bob's first turn lands where alice spoke; every later turn of one lands where the other just spoke.
    for (const session of [0, 1]) {
      const own = workers.filter((_, i) => i % 2 === session);
      for (let i = 1; i < own.length; i++) expect(own[i]).not.toBe(own[i - 1]);
    }
  });

  it('spread with one worker uses it every time', () => {
    expect(route(`${turns(3)}topology: { replicas: 1, workers: 1 }\n`)).toEqual(['r1w1', 'r1w1', 'r1w1']);
  });

  it('round-robin walks the order regardless of sessions', () => {
    expect(route(turns(5), 'round-robin')).toEqual(['r1w1', 'r2w1', 'r1w2', 'r2w2', 'r1w1']);
  });

  it('sticky keeps the session on its worker id through restarts and redeploys, until the worker is removed', () => {
    const y =
      'name: t\nsteps:\n  - user: a\n  - user: b\n  - restart: r2\n  - user: c\n  - restart: r1w1\n  - user: d\n  - redeploy: all\n  - user: e\n  - crash\n  - user: f\n  - scale: { replicas: 1, workers: 1 }\n  - user: g\n';
    expect(route(y, 'sticky')).toEqual(['r1w1', 'r1w1', 'r1w1', 'r1w1', 'r1w1', 'r1w1', 'r1w1']);
    const removed =
      'name: t\nsteps:\n  - { user: a, on: r1w2 }\n  - scale: { workers: 1 }\n  - user: b\n  - redeploy: r1\n  - user: c\n';
    const p = plan(scenario(removed), { topology: { replicas: 2, workers: 2 }, routing: 'sticky', seed: 1 });
    expect(p.steps.flatMap((s) => (s.kind === 'turn' ? [`${s.worker} ${s.reason}`] : []))).toEqual([
      'r1w2 pinned to r1w2',
      'r1w1 sticky: r1w2 was removed',
      'r1w1 sticky: main stays on r1w1 (its new process)',
    ]);
  });

  it('random is reproducible from the seed and differs between seeds', () => {
    const a = route(turns(12), 'random', 42);
    expect(route(turns(12), 'random', 42)).toEqual(a);
    expect(route(turns(12), 'random', 43)).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('pins override routing; a replica pin routes within the replica', () => {
    const y =
      'name: t\nsteps:\n  - { user: a, on: r2w2 }\n  - { user: b, on: r2 }\n  - { user: c, on: r2 }\n';
    expect(route(y)).toEqual(['r2w2', 'r2w1', 'r2w2']);
  });

  it('scale adds workers that count as disrupted and removes others from routing', () => {
    const y =
      'name: t\nsteps:\n  - user: a\n  - scale: { replicas: 3 }\n  - user: b\n  - scale: { replicas: 1, workers: 1 }\n  - user: c\n';
    expect(route(y)).toEqual(['r1w1', 'r3w1', 'r1w1']);
  });

  it('records the workers each disruption hits and the topology after it', () => {
    const p = plan(scenario('name: t\nsteps:\n  - user: a\n  - restart\n  - redeploy: r2\n  - wait: 1s\n'), {
      topology: DEFAULTS.topology,
      routing: 'spread',
      seed: 1,
    });
    const d = p.steps.filter((s) => s.kind === 'disruption');
    expect(d.map((s) => s.workers)).toEqual([['r1w1', 'r2w1', 'r1w2', 'r2w2'], ['r2w1', 'r2w2'], []]);
  });

  it('explains each decision', () => {
    const p = plan(scenario('name: t\nsteps:\n  - user: a\n  - user: b\n'), {
      topology: DEFAULTS.topology,
      routing: 'spread',
      seed: 1,
    });
    expect(p.steps.map((s) => (s.kind === 'turn' ? s.reason : ''))).toEqual([
      'spread: first turn of main',
      'spread: not r1w1, which served main last',
    ]);
  });
});

describe('plan: turns in flight at once', () => {
  const planOf = (yaml: string, routing: 'spread' | 'sticky' = 'spread') =>
    plan(scenario(yaml), { topology: DEFAULTS.topology, routing, seed: 1 });

  it('together: every turn gets a worker of its own, the session never on its previous worker', () => {
    const p = planOf(`name: t
steps:
  - user: a
  - together:
      - user: b
      - user: c
  - user: d
`);
    const group = p.steps[1];
    expect(group?.kind).toBe('together');
    if (group?.kind !== 'together') return;
    expect(group.turns.map((t) => t.worker)).toEqual(['r2w1', 'r1w2']);
    expect(group.turns.map((t) => `${t.step.session}#${t.step.turn}`)).toEqual(['main#2', 'main#3']);
    expect(p.steps[2]?.kind === 'turn' && p.steps[2].worker).toBe('r2w2');
  });

  it('together: sticky sends the second turn of a session elsewhere, since its worker is busy', () => {
    const p = planOf(
      'name: t\nsteps:\n  - user: a\n  - together:\n      - user: b\n      - user: c\n',
      'sticky',
    );
    const group = p.steps[1];
    expect(group?.kind === 'together' && group.turns.map((t) => t.worker)).toEqual(['r1w1', 'r2w1']);
  });

  it('together: a pinned turn keeps its worker and the others route around it', () => {
    const p = planOf(`name: t
steps:
  - together:
      - { user: a, session: alice }
      - { user: b, session: bob, on: r1w1 }
`);
    const group = p.steps[0];
    expect(group?.kind === 'together' && group.turns.map((t) => t.worker)).toEqual(['r2w1', 'r1w1']);
  });

  it('during: turns in flight go to the workers the disruption hits, then the session follows it', () => {
    const p = planOf(`name: t
steps:
  - user: a
  - restart: r2
    during:
      - user: b
      - { user: c, session: bob }
      - { user: d, session: carol }
  - user: e
`);
    const d = p.steps[1];
    expect(d?.kind).toBe('disruption');
    if (d?.kind !== 'disruption') return;
    expect(d.workers).toEqual(['r2w1', 'r2w2']);
    expect(d.during.map((t) => t.worker)).toEqual(['r2w1', 'r2w2', 'r1w2']);
    expect(d.during[0]?.reason).toBe('in flight on r2w1, which the disruption hits');
    // The first turn of main after the restart goes to a restarted worker: the one that served it.
    expect(p.steps[2]?.kind === 'turn' && p.steps[2].worker).toBe('r2w1');
  });

  it('during: a turn pinned away from the disruption stays there', () => {
    const p = planOf(
      'name: t\nsteps:\n  - user: a\n  - crash: r1w1\n    during:\n      - { user: b, on: r2w2, expect: { error: allowed } }\n',
    );
    const d = p.steps[1];
    expect(d?.kind === 'disruption' && d.during.map((t) => t.worker)).toEqual(['r2w2']);
  });
});
