import { specOf } from '../disruptions/index.ts';
import type { InputProblem } from '../errors.ts';
import type { Scenario, SourceLocation, Target, Topology, TurnStep } from './types.ts';
import { formatTarget, turnsOf } from './types.ts';
import { type WorkerId, workersOf } from './workers.ts';

const problem = (at: SourceLocation, field: string, message: string, hint?: string): InputProblem => ({
  file: at.file,
  line: at.line,
  column: at.column,
  field,
  message,
  ...(hint ? { hint } : {}),
});

/** A service of the config, as scenario steps see it: whether amnesia can fault it. */
export interface ServiceRef {
  name: string;
  /** False for services amnesia does not run (`url:`, `postgres: embedded`). */
  faults: boolean;
}

/**
 * Checks that need the whole scenario (and the topology it runs on), beyond its schema:
 * a user turn exists, every pin and disruption names a place the topology has at that
 * point (scale steps change it), every service fault names a service amnesia runs, every
 * recall can be proved by an earlier turn, and every forget names text some turn said.
 */
export function checkScenario(
  s: Scenario,
  topology: Topology,
  topologySource: string,
  services?: readonly ServiceRef[],
): InputProblem[] {
  const problems: InputProblem[] = [];
  const turns = turnsOf(s.steps);
  if (turns.length === 0) {
    problems.push(
      problem(
        s.steps[0]?.at ?? s.at,
        'steps',
        'the scenario has no user turn, so it checks nothing',
        'add a step such as `- user: My name is Ada.`',
      ),
    );
  }

  let current = { ...topology };
  let source = topologySource;
  for (const step of s.steps) {
    const checkTarget = (t: Target | undefined, field: string) => {
      if (!t || t.kind === 'all') return;
      const tooMany = t.replica > current.replicas || (t.kind === 'worker' && t.worker > current.workers);
      if (tooMany) {
        problems.push(
          problem(
            step.at,
            field,
            `\`${formatTarget(t)}\` does not exist: the topology has ${current.replicas} replica${current.replicas === 1 ? '' : 's'} × ${current.workers} worker${current.workers === 1 ? '' : 's'} here (${source})`,
            `use r1…r${current.replicas}${t.kind === 'worker' ? ` and w1…w${current.workers}` : ''}, or raise \`topology\` in the scenario`,
          ),
        );
      }
    };
    if (step.kind === 'turn') checkTarget(step.pin, `steps[${step.step}].on`);
    else if (step.kind === 'together') {
      for (const t of step.turns) checkTarget(t.pin, `${turnField(t)}.on`);
      problems.push(...checkAtOnce(step.turns, current, source));
    } else {
      const spec = specOf(step);
      const field = `steps[${step.step}].${step.kind}`;
      if ('target' in step) checkTarget(step.target, field);
      for (const t of step.during ?? []) checkTarget(t.pin, `${turnField(t)}.on`);
      problems.push(...checkAtOnce(step.during ?? [], current, source));
      if (spec.dropsInFlight && 'target' in step)
        problems.push(...checkDroppedInFlight(step.kind, step.during ?? [], step.target, current));
      for (const p of spec.check?.(step, current) ?? [])
        problems.push(problem(step.at, field, p.message, p.hint));
      if ('service' in step && services)
        problems.push(...checkService(step.service, step.at, field, services));
      const after = spec.hits(step, current).shape;
      if (after !== current) {
        current = { replicas: after.replicas, workers: after.workers };
        source = `after the ${step.kind} at line ${step.at.line}`;
      }
    }
  }

  for (const turn of turns) {
    const earlier = turns.filter((t) => t.session === turn.session && t.step < turn.step);
    const alongside = turns.filter((t) => t.session === turn.session && t.step === turn.step && t !== turn);
    for (const [i, m] of turn.expect.recall.entries()) {
      const field = `${turnField(turn)}.expect.recall[${i}]`;
      const sibling = alongside.find((t) => m.test(t.user));
      if (m.test(turn.user)) {
        problems.push(
          problem(
            m.at,
            field,
            `recall \`${m.source}\` is in this turn's own message, so it cannot show that anything was remembered`,
            'recall what an earlier turn said, and ask for it without repeating it',
          ),
        );
      } else if (sibling && !earlier.some((t) => m.test(t.user))) {
        problems.push(
          problem(
            m.at,
            field,
            `recall \`${m.source}\` is said by ${sibling.session}#${sibling.turn}, which is sent at the same time as this turn, so it cannot be remembered yet`,
            'recall it in a later turn, after this step',
          ),
        );
      } else if (!earlier.some((t) => m.test(t.user))) {
        problems.push(
          problem(
            m.at,
            field,
            `recall \`${m.source}\` is in no earlier turn of session \`${turn.session}\`, so it could only pass by accident`,
            earlier.length === 0
              ? `this is the first turn of session \`${turn.session}\`: say the fact in an earlier turn`
              : 'recall a text an earlier user turn of this session said (check spelling and case, or use a /regex/i)',
          ),
        );
      }
    }
    // A forget of text no turn of the scenario says cannot fail: it checks nothing (a vacuous forget).
    for (const [i, m] of turn.expect.forget.entries()) {
      if (turns.some((t) => t !== turn && m.test(t.user))) continue;
      problems.push(
        problem(
          m.at,
          `${turnField(turn)}.expect.forget[${i}]`,
          `forget \`${m.source}\` is in no other turn of any session of this scenario, so it can never reach the prompt and the check cannot fail`,
          'forget a text another session said (a leak check) or one this session said earlier; check spelling and case, or use a /regex/i',
        ),
      );
    }
  }
  return problems;
}

/** A service fault must name a service of the config that amnesia runs. */
function checkService(
  name: string,
  at: SourceLocation,
  field: string,
  services: readonly ServiceRef[],
): InputProblem[] {
  const found = services.find((x) => x.name === name);
  if (!found) {
    return [
      problem(
        at,
        field,
        `no service \`${name}\` in the config`,
        services.length
          ? `services: ${services.map((x) => `\`${x.name}\``).join(', ')}`
          : 'declare it under `services:` in amnesia.config.yaml',
      ),
    ];
  }
  if (found.faults) return [];
  return [
    problem(
      at,
      field,
      `service \`${name}\` is not one amnesia runs (a \`url:\` or \`postgres: embedded\`), so it cannot restart, go down or be wiped`,
      'use a `command:`, `redis:`, `postgres: { image }` or `container:` service',
    ),
  ];
}

/** The field of a turn in problems: `steps[3]`, `steps[3].together[1]`, `steps[3].during[0]`. */
function turnField(t: TurnStep): string {
  return t.nested ? `steps[${t.step}].${t.nested.in}[${t.nested.index}]` : `steps[${t.step}]`;
}

/**
 * Turns in flight at once each need a worker of their own: the mock LLM tells turns apart by
 * the worker whose base URL the app used, so two turns on one worker could not be told apart.
 */
function checkAtOnce(list: readonly TurnStep[], topology: Topology, source: string): InputProblem[] {
  const first = list[0];
  if (!first) return [];
  const field = `steps[${first.step}].${first.nested?.in}`;
  const processes = topology.replicas * topology.workers;
  const problems: InputProblem[] = [];
  if (list.length > processes) {
    problems.push(
      problem(
        first.at,
        field,
        `${list.length} turns in flight at once need ${list.length} workers, but the topology has ${processes} here (${source}): amnesia tells turns apart by the worker that serves them, one turn per worker at a time`,
        'send fewer turns at once, or raise `topology` in the scenario',
      ),
    );
  }
  const byWorker = new Map<string, TurnStep>();
  for (const t of list) {
    if (t.pin?.kind !== 'worker') continue;
    const id = formatTarget(t.pin);
    const other = byWorker.get(id);
    if (other) {
      problems.push(
        problem(
          t.at,
          `${turnField(t)}.on`,
          `${t.session}#${t.turn} and ${other.session}#${other.turn} are both pinned to ${id} while in flight at once: amnesia tells turns apart by the worker that serves them, one turn per worker at a time`,
          'pin each turn of the step to its own worker, or leave `on` out and let routing spread them',
        ),
      );
    } else byWorker.set(id, t);
  }
  return problems;
}

/** A kind that kills its workers (SIGKILL): a turn in flight there cannot be answered, so it must allow failing. */
function checkDroppedInFlight(
  kind: string,
  list: readonly TurnStep[],
  target: Target,
  topology: Topology,
): InputProblem[] {
  const hit = new Set(workersOf(target, topology));
  const unpinned = list.filter((t) => t.pin === undefined && t.expect.error === undefined);
  const pinnedHit = list.filter(
    (t) =>
      t.pin?.kind === 'worker' && hit.has(formatTarget(t.pin) as WorkerId) && t.expect.error === undefined,
  );
  // Unpinned turns go to the crashed workers first (routing), as many as there are.
  const doomed = [...pinnedHit, ...unpinned.slice(0, Math.max(0, hit.size - pinnedHit.length))];
  return doomed.map((t) =>
    problem(
      t.at,
      turnField(t),
      `${t.session}#${t.turn} is in flight on a worker the ${kind} kills (SIGKILL): it can never be answered, so as written it always fails`,
      `add \`expect: { error: allowed }\` (the request may fail; what was answered must still be remembered) or \`error: true\`, or pin it to a worker the ${kind} does not hit`,
    ),
  );
}

/** Scenario names must be unique across a run: reports, test names and session ids use them. */
export function checkUniqueNames(scenarios: readonly Scenario[]): InputProblem[] {
  const seen = new Map<string, Scenario>();
  const problems: InputProblem[] = [];
  for (const s of scenarios) {
    const key = s.name.toLowerCase();
    const first = seen.get(key);
    if (first) {
      problems.push(
        problem(
          s.at,
          'name',
          `duplicate scenario name \`${s.name}\`: also used by ${first.file}:${first.at.line}`,
          'give every scenario its own name',
        ),
      );
    } else seen.set(key, s);
  }
  return problems;
}
