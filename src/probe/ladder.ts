import { randomInt } from 'node:crypto';
import { createMatcher } from '../scenario/matcher.ts';
import type { Scenario, SourceLocation, Step, Topology, TurnStep } from '../scenario/types.ts';
import type { Rung, RungResult, ScenarioResult, TurnRecord } from '../types/results.ts';
import { renderTemplate } from '../util/template.ts';
import { anyCookieReplaced } from '../verdict/cookies.ts';
import { BASE_RUNGS, RUNG_NAMES } from '../verdict/failure-table.ts';
import { chatRequests } from '../verdict/prompt.ts';

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

/** Small talk that shares no word with a probe question, to push a fact out of a short-term buffer. */
const FILLERS = [
  'Tell me a fun fact about octopuses.',
  'How far away is the moon?',
  'Suggest a name for a goldfish.',
  'Which fruit ripens fastest on a windowsill?',
  'Give me a tip for keeping basil alive.',
  'How many legs does a spider have?',
  'Recommend a board game for two players.',
  'Why is the sky blue?',
];

/**
 * How long every rung but CI waits after the fact's answer before its disruption or question: the
 * time an answer sent before its save (row 12) gives the save to land. A save still unwritten after
 * this long is lost to any crash, so CR ✗ stands for a store a crash loses, and CI alone (a crash
 * at once after the answer) shows the save that comes after the answer.
 */
export const SAVE_PAUSE_MS = 500;

export interface LadderOptions {
  say: string;
  ask: string;
  /** Climb the long-term rung (LT): the app keeps long-term memory beyond a short-term buffer. */
  longTerm?: boolean;
  /** Filler turns between the fact and the question on the LT rung. @default 4 */
  fillers?: number;
}

export interface Ladder {
  scenario: Scenario;
  /**
   * Per rung, the step index of the question, or why it cannot run on this topology; the LT rung
   * also asks on r1w1 first (`control`): a fact lost there too was never in long-term memory.
   */
  rungs: { rung: Rung; ask?: number; control?: number; skipped?: string }[];
}

/**
 * The probe ladder as a scenario: per rung a fresh session says a unique canary fact on r1w1,
 * then (after a pause of SAVE_PAUSE_MS and the rung's disruption, if any) asks for it at the
 * rung's place; CI crashes r1w1 at once after the answer, with no pause.
 */
export function buildLadder(topology: Topology, probe: LadderOptions, makeCanary = canary): Ladder {
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
  const pause = () => steps.push({ kind: 'wait', step: steps.length, ms: SAVE_PAUSE_MS, at: AT });
  const r1w1 = { replica: 1, worker: 1 };
  const r1w2 = { replica: 1, worker: 2 };
  for (const rung of probe.longTerm ? [...BASE_RUNGS, 'LT' as const] : BASE_RUNGS) {
    const skipped =
      (rung === 'OW' || rung === 'LT') && topology.workers < 2
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
      const other = topology.workers >= 2 ? r1w2 : { replica: 2, worker: 1 };
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
      pause();
      rungs.push({ rung, ask: steps.length });
      steps.push(make(session, probe.ask, r1w1, facts));
      continue;
    }
    if (rung === 'LT') {
      const n = probe.fillers ?? 4;
      for (let i = 0; i < n; i++) turn(session, FILLERS[i % FILLERS.length] as string, r1w1);
      pause();
      const control = steps.length;
      turn(session, probe.ask, r1w1, fact);
      rungs.push({ rung, control, ask: steps.length });
      turn(session, probe.ask, r1w2, fact);
      continue;
    }
    // CI alone crashes at once after the answer; every other rung gives the save time to land first.
    if (rung !== 'CI') pause();
    if (rung === 'RS')
      steps.push({ kind: 'restart', step: steps.length, target: { kind: 'worker', ...r1w1 }, at: AT });
    if (rung === 'CR' || rung === 'CI')
      steps.push({ kind: 'crash', step: steps.length, target: { kind: 'worker', ...r1w1 }, at: AT });
    if (rung === 'RD')
      steps.push({
        kind: 'redeploy',
        step: steps.length,
        strategy: 'rolling',
        target: { kind: 'replica', replica: 1 },
        at: AT,
      });
    const where = rung === 'OW' ? r1w2 : rung === 'OR' ? { replica: 2, worker: 1 } : r1w1;
    rungs.push({ rung, ask: steps.length });
    turn(session, probe.ask, where, fact);
  }
  const sessions = [...turnsOf.keys()];
  return {
    scenario: {
      file: 'probe ladder',
      name: 'probe ladder',
      description: `Per rung a fresh session says a canary on r1w1 and asks for it: ${rungs.map(({ rung: r }) => `${r} ${RUNG_NAMES[r]}`).join(', ')}.`,
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
): { rungs: RungResult[]; appErrors: string[]; leak: boolean; cookieReplaced: boolean } {
  const turns = new Map(
    result.steps.filter((s): s is TurnRecord => s.kind === 'turn').map((t) => [t.step, t]),
  );
  // The app's own words: failure messages and what the worker printed last.
  const appErrors = [...turns.values()].flatMap((t) =>
    t.failure ? [t.failure.message, ...t.failure.outputTail] : [],
  );
  const rungs = ladder.rungs.map(({ rung, ask, control, skipped }): RungResult => {
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
    const first = control === undefined ? undefined : turns.get(control);
    if (first?.failure)
      return { rung, kept: null, note: `the app failed: ${first.failure.message.split('\n')[0]}` };
    if (first && !first.passed) {
      // The session's turns before the control question, but the first (the fact).
      const fillers =
        result.steps.filter((s) => s.kind === 'turn' && s.session === t.session && s.step < first.step)
          .length - 1;
      return {
        rung,
        kept: null,
        note: `lost on r1w1 too after ${fillers} filler turns: no long-term memory reaches that far back (a window or a token limit)`,
      };
    }
    if (rung === 'CC' && !t.passed) {
      const window = windowAtCC(t, result.steps);
      if (window) return { rung, kept: null, note: window };
    }
    return { rung, kept: t.passed };
  });
  if (result.error) appErrors.push(result.error.message);
  return { rungs, appErrors, leak: result.leaks.length > 0, cookieReplaced: anyCookieReplaced(result.steps) };
}

/**
 * A lost update keeps the history before the two turns at once and drops one of them; a window
 * keeps the latest messages and drops the oldest. When the CC question's prompt holds one of the
 * two turns but not the fact said before them, the rung saw a window (row 4), not a lost update:
 * it cannot judge CC. (A prompt that holds nothing of the session lost everything: CC ✗ stands.)
 */
function windowAtCC(t: TurnRecord, steps: readonly ScenarioResult['steps'][number][]): string | undefined {
  const before = steps.filter(
    (s): s is TurnRecord => s.kind === 'turn' && s.session === t.session && s.step < t.step,
  );
  const first = before[0];
  const pair = before.filter((s) => s.step === before.at(-1)?.step && s !== first);
  const prompt = chatRequests(t.llm)
    .at(-1)
    ?.messages.filter((m) => m.role !== 'system')
    .map((m) => m.content)
    .join('\n');
  if (!first || pair.length === 0 || prompt === undefined) return undefined;
  const keptFirst = prompt.includes(first.user);
  const keptOfPair = pair.some((p) => prompt.includes(p.user));
  if (keptFirst || !keptOfPair) return undefined;
  return `the history before the two turns at once is missing too while one of them is there: a window or token limit keeps only the latest messages (row 4), so a lost update cannot be told`;
}
