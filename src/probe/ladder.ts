import { randomInt } from 'node:crypto';
import type { Rung, RungResult, ScenarioResult, TurnRecord } from '../run/types.ts';
import { createMatcher } from '../scenario/matcher.ts';
import type { Scenario, SourceLocation, Step, Topology, TurnStep } from '../scenario/types.ts';
import { renderTemplate } from '../util/template.ts';
import { RUNG_NAMES, RUNGS } from '../verdict/diagnosis.ts';

const AT: SourceLocation = { file: 'probe ladder', line: 0, column: 0 };
const WORDS = [
  'amber',
  'birch',
  'cobalt',
  'dune',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lagoon',
];

/** A word no system prompt or document contains: a random word and number. */
export function canary(): string {
  return `${WORDS[randomInt(WORDS.length)]}-${randomInt(1000, 10000)}`;
}

export interface Ladder {
  scenario: Scenario;
  /** Per rung, the step index of the question, or why it cannot run on this topology. */
  rungs: { rung: Rung; ask?: number; skipped?: string }[];
}

/**
 * The probe ladder as a scenario: per rung a fresh session says a unique canary fact on r1w1,
 * then (after the rung's disruption, if any) asks for it at the rung's place.
 */
export function buildLadder(
  topology: Topology,
  probe: { say: string; ask: string },
  makeCanary = canary,
): Ladder {
  const steps: Step[] = [];
  const rungs: Ladder['rungs'] = [];
  const turnsOf = new Map<string, number>();
  const make = (
    session: string,
    user: string,
    on: { replica: number; worker: number },
    recall: readonly string[] = [],
    nested?: TurnStep['nested'],
  ): TurnStep => {
    const n = (turnsOf.get(session) ?? 0) + 1;
    turnsOf.set(session, n);
    return {
      kind: 'turn',
      step: steps.length,
      session,
      turn: n,
      user,
      pin: { kind: 'worker', ...on },
      expect: { recall: recall.map((r) => createMatcher(r, AT)), forget: [] },
      ...(nested ? { nested } : {}),
      at: AT,
    };
  };
  const turn = (session: string, user: string, on: { replica: number; worker: number }, recall?: string) => {
    steps.push(make(session, user, on, recall ? [recall] : []));
  };
  const r1w1 = { replica: 1, worker: 1 };
  for (const rung of RUNGS) {
    const skipped =
      rung === 'OW' && topology.workers < 2
        ? 'needs 2 workers per replica'
        : rung === 'OR' && topology.replicas < 2
          ? 'needs 2 replicas'
          : rung === 'CC' && topology.replicas * topology.workers < 2
            ? 'needs 2 workers'
            : undefined;
    if (skipped) {
      rungs.push({ rung, skipped });
      continue;
    }
    const session = `probe-${rung.toLowerCase()}`;
    const fact = makeCanary();
    turn(session, renderTemplate(probe.say, { canary: fact }), r1w1);
    if (rung === 'CC') {
      // Two more facts of the session said at once on two workers, then both asked for on r1w1.
      const other = topology.workers >= 2 ? { replica: 1, worker: 2 } : { replica: 2, worker: 1 };
      const facts = [makeCanary(), makeCanary()];
      const say = (i: number) => renderTemplate(probe.say, { canary: facts[i] as string });
      steps.push({
        kind: 'together',
        step: steps.length,
        turns: [
          make(session, say(0), r1w1, [], { in: 'together', index: 0 }),
          make(session, say(1), other, [], { in: 'together', index: 1 }),
        ],
        at: AT,
      });
      rungs.push({ rung, ask: steps.length });
      steps.push(make(session, probe.ask, r1w1, facts));
      continue;
    }
    if (rung === 'RS')
      steps.push({ kind: 'restart', step: steps.length, target: { kind: 'worker', ...r1w1 }, at: AT });
    if (rung === 'CR')
      steps.push({ kind: 'crash', step: steps.length, target: { kind: 'worker', ...r1w1 }, at: AT });
    if (rung === 'RD')
      steps.push({
        kind: 'redeploy',
        step: steps.length,
        strategy: 'rolling',
        target: { kind: 'replica', replica: 1 },
        at: AT,
      });
    const where =
      rung === 'OW' ? { replica: 1, worker: 2 } : rung === 'OR' ? { replica: 2, worker: 1 } : r1w1;
    rungs.push({ rung, ask: steps.length });
    turn(session, probe.ask, where, fact);
  }
  const sessions = [...turnsOf.keys()];
  return {
    scenario: {
      file: 'probe ladder',
      name: `probe ladder (${topology.replicas} × ${topology.workers})`,
      description: `Per rung a fresh session says a canary on r1w1 and asks for it: ${RUNGS.map((r) => `${r} ${RUNG_NAMES[r]}`).join(', ')}.`,
      tags: ['probe'],
      topology,
      routing: 'spread',
      steps,
      sessions,
      at: AT,
    },
    rungs,
  };
}

/** Read the rungs off the ladder's run: kept when the question's recall held. */
export function readLadder(
  ladder: Ladder,
  result: ScenarioResult,
): { rungs: RungResult[]; appErrors: string[]; leak: boolean } {
  const turns = new Map(
    result.steps.filter((s): s is TurnRecord => s.kind === 'turn').map((t) => [t.step, t]),
  );
  const appErrors = [...turns.values()].flatMap((t) => (t.failure ? [t.failure.message] : []));
  const rungs = ladder.rungs.map(({ rung, ask, skipped }): RungResult => {
    if (skipped) return { rung, kept: null, note: `skipped: ${skipped}` };
    const t = ask === undefined ? undefined : turns.get(ask);
    if (!t)
      return {
        rung,
        kept: null,
        note: result.error ? `not run: ${result.error.message.split('\n')[0]}` : 'not run',
      };
    if (t.failure) return { rung, kept: null, note: `the app failed: ${t.failure.message.split('\n')[0]}` };
    const said = result.steps.find(
      (s): s is TurnRecord => s.kind === 'turn' && s.session === t.session && s.step < t.step && !!s.failure,
    );
    if (said?.failure)
      return { rung, kept: null, note: `the app failed: ${said.failure.message.split('\n')[0]}` };
    return { rung, kept: t.passed };
  });
  if (result.error) appErrors.push(result.error.message);
  return { rungs, appErrors, leak: result.leaks.length > 0 };
}
