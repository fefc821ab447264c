import type { TurnRecord } from '../types/results.ts';

// A registered symbol, not a module-level WeakMap: the setup file (matchers) and the test file
// (harness) may load two copies of this module (one through vite, one through Node).
const EARLIER = Symbol.for('amnesia.vitest.earlier');

/** Attach the session's earlier turns to a turn (hidden from printing and equality), for the matchers. */
export function withEarlier<T extends TurnRecord>(turn: T, earlier: readonly TurnRecord[]): T {
  Object.defineProperty(turn, EARLIER, { value: Object.freeze([...earlier]), enumerable: false });
  return turn;
}

/** The session's turns before this one, oldest first; empty for a turn the harness did not make. */
export function earlierOf(turn: TurnRecord): readonly TurnRecord[] {
  return (turn as unknown as Record<symbol, readonly TurnRecord[] | undefined>)[EARLIER] ?? [];
}
