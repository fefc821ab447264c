import type { StepRecord, TurnRecord } from '../types/results.ts';

/**
 * The cookie a turn's worker replaced with a fresh one: the client sent it and the answer set
 * another value. Where that worker also forgot the session, it rejected state the client held
 * (a signing or encryption key of its own: row 11).
 */
export function replacedCookie(
  t: Pick<TurnRecord, 'exchange'>,
): { name: string; sent: number; set: number } | undefined {
  const set = t.exchange?.set.find((c) => c.replaced);
  if (!set) return undefined;
  const sent = t.exchange?.sent.find((c) => c.name === set.name);
  return { name: set.name, sent: sent?.bytes ?? 0, set: set.bytes };
}

/** Whether a failed turn of these steps had its cookie replaced (the evidence row 11 needs). */
export function anyCookieReplaced(steps: readonly StepRecord[]): boolean {
  return steps.some((s) => s.kind === 'turn' && !s.passed && replacedCookie(s) !== undefined);
}
