import type { MatcherState, MatchersObject } from 'vitest';
import { createMatcher } from '../scenario/matcher.ts';
import type { Expectations, Matcher, TurnStep } from '../scenario/types.ts';
import type { ExpectationResult, Leak, TurnRecord } from '../types/results.ts';
import { quoted } from '../util/text.ts';
import { judgeTurn } from '../verdict/expectations.ts';
import { callSite } from './call-site.ts';
import { leakReport, turnReport } from './matcher-report.ts';
import { earlierOf } from './turn-history.ts';

/** The memory matchers, typed on vitest's `expect`. */
export interface AmnesiaMatchers<R = unknown> {
  /**
   * What the app sent the LLM for this turn holds `fact` (the turn's own message left out), and
   * an earlier turn of the session said it. A text matches as written; a RegExp as a pattern.
   * @example expect(await alice.say('What is my cat called?')).toRecall('Miso')
   */
  toRecall(fact: string | RegExp): R;
  /**
   * `fact` is nowhere in what the app sent the LLM for this turn (isolation, deliberate clears).
   * @example expect(await bob.say('What is my secret word?')).toForget('pineapple')
   */
  toForget(fact: string | RegExp): R;
  /**
   * The session's previous `count` user messages all reached the LLM in this turn (older ones may be trimmed).
   * @example expect(turn).toRecallRecent(4)
   */
  toRecallRecent(count: number): R;
  /**
   * Some session's whole user message reached another session's prompt. Use it negated.
   * @example expect(app).not.toHaveLeaked()
   */
  toHaveLeaked(): R;
}

declare module 'vitest' {
  interface Matchers<R, T> extends AmnesiaMatchers<R> {}
}

/** The result vitest wants from a matcher. */
type Outcome = { pass: boolean; message: () => string };

/**
 * Register with `expect.extend(amnesiaMatchers)`, or list `amnesia/vitest/setup` in `setupFiles`.
 * Failure messages show where the turn ran, where the fact was said and what the app sent the LLM.
 */
export const amnesiaMatchers: MatchersObject = {
  toRecall(received: unknown, fact: string | RegExp) {
    const turn = asTurn(received, 'toRecall');
    const m = matcherOf(fact, 'toRecall');
    const judged = judge(turn, { recall: [m], forget: [] });
    if ('cannot' in judged) return cannot(this, judged.cannot, turn);
    const said = earlierOf(turn).filter((t) => m.test(t.user));
    const head = `${turn.label} ${this.isNot ? 'not ' : ''}to recall ${quoted(m.source)}`;
    if (!this.isNot && said.length === 0) {
      return failure(
        this,
        `expected ${head}, but no earlier turn of ${turn.session} said it: a recall proves memory only of what the conversation said (a fact from a system prompt or a document passes without any memory)`,
        turnReport(turn, { cwd: process.cwd() }),
      );
    }
    return {
      pass: judged.result.passed,
      message: () =>
        `expected ${head}${this.isNot ? ', but it reached the LLM' : ''}\n${judged.result.message}\n${turnReport(
          turn,
          { saidIn: said, cwd: process.cwd(), ...(this.isNot ? { found: m } : {}) },
        )}`,
    };
  },

  toForget(received: unknown, fact: string | RegExp) {
    const turn = asTurn(received, 'toForget');
    const m = matcherOf(fact, 'toForget');
    const judged = judge(turn, { recall: [], forget: [m] });
    if ('cannot' in judged) return cannot(this, judged.cannot, turn);
    const head = `${turn.label} ${this.isNot ? 'not ' : ''}to forget ${quoted(m.source)}`;
    const said = earlierOf(turn).filter((t) => m.test(t.user));
    return {
      pass: judged.result.passed,
      message: () =>
        `expected ${head}${this.isNot ? ', but it is missing from what the app sent the LLM' : ', but it reached the LLM'}\n${turnReport(
          turn,
          { saidIn: said, cwd: process.cwd(), ...(this.isNot ? {} : { found: m }) },
        )}`,
    };
  },

  toRecallRecent(received: unknown, count: number) {
    const turn = asTurn(received, 'toRecallRecent');
    if (!Number.isInteger(count) || count < 1) {
      throw new TypeError(`toRecallRecent(count): count must be a whole number of 1 or more, got ${count}`);
    }
    const earlier = earlierOf(turn);
    if (earlier.length < count) {
      return failure(
        this,
        `expected ${turn.label} to recall the last ${count} user messages, but ${turn.session} said only ${earlier.length} before it`,
        turnReport(turn, { cwd: process.cwd() }),
      );
    }
    const judged = judge(turn, { recall: [], forget: [], recallRecent: { count, at: callSite() } });
    if ('cannot' in judged) return cannot(this, judged.cannot, turn);
    const recent = earlier.slice(-count);
    return {
      pass: judged.result.passed,
      message: () =>
        `expected ${turn.label} ${this.isNot ? 'not ' : ''}to recall the last ${count} user messages\n${
          judged.result.message
        }\n${turnReport(turn, { saidIn: recent, cwd: process.cwd() })}`,
    };
  },

  toHaveLeaked(received: unknown) {
    if (!isApp(received)) {
      throw new TypeError(`toHaveLeaked() expects the app startApp() returned, got ${describe(received)}`);
    }
    const leaks = received.leaks();
    const turns = received.turns();
    const sessions = new Set(turns.map((t) => t.session)).size;
    return {
      pass: leaks.length > 0,
      message: () =>
        leaks.length > 0
          ? `expected no session's message in another session's prompt, but ${leaks.length} leaked (memory is not keyed by session)\n${leakReport(leaks, turns, process.cwd())}`
          : `expected a session's message in another session's prompt, but none of ${turns.length} turns in ${sessions} sessions had one`,
    };
  },
};

type Judged = { result: ExpectationResult } | { cannot: string };

/** Judge one expectation on a turn with the engine's own verdicts. */
function judge(turn: TurnRecord, expect: Expectations): Judged {
  if (turn.failure) return { cannot: `the app did not answer: ${turn.failure.message}` };
  const step: TurnStep = {
    kind: 'turn',
    step: turn.step,
    session: turn.session,
    turn: Number(turn.label.slice(turn.label.lastIndexOf('#') + 1)),
    user: turn.user,
    expect,
    at: turn.at,
  };
  const results = judgeTurn({
    step,
    earlier: earlierOf(turn),
    llm: turn.llm,
    reply: turn.reply,
    json: undefined,
    answered: true,
  });
  const notCalled = results.find((r) => r.kind === 'llm_called');
  if (notCalled) return { cannot: notCalled.message };
  const result = results[0];
  if (!result) throw new Error('amnesia: the judge returned no verdict');
  return { result };
}

/** Fails whether negated or not: a turn that cannot be checked proves nothing either way. */
function cannot(state: MatcherState, why: string, turn: TurnRecord): Outcome {
  return failure(state, `cannot check ${turn.label}: ${why}`, turnReport(turn, { cwd: process.cwd() }));
}

function failure(state: MatcherState, head: string, report: string): Outcome {
  return { pass: state.isNot, message: () => `${head}\n${report}` };
}

function matcherOf(fact: string | RegExp, name: string): Matcher {
  if (fact instanceof RegExp) return createMatcher(`/${fact.source}/${fact.flags}`, callSite());
  if (typeof fact !== 'string' || fact === '') {
    throw new TypeError(`${name}(fact): fact must be a non-empty string or a RegExp, got ${describe(fact)}`);
  }
  return { source: fact, at: callSite(), test: (text) => text.includes(fact) };
}

function asTurn(received: unknown, name: string): TurnRecord {
  const r = received as Partial<TurnRecord> | null;
  if (r && typeof r === 'object' && r.kind === 'turn' && Array.isArray(r.llm)) return r as TurnRecord;
  throw new TypeError(`${name}() expects a turn (what session.say() resolves to), got ${describe(received)}`);
}

function isApp(x: unknown): x is { leaks(): Leak[]; turns(): readonly TurnRecord[] } {
  const a = x as { leaks?: unknown; turns?: unknown } | null;
  return !!a && typeof a.leaks === 'function' && typeof a.turns === 'function';
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object')
    return `an object with keys ${Object.keys(x).slice(0, 6).join(', ') || '(none)'}`;
  return `${typeof x} ${JSON.stringify(x)}`;
}
