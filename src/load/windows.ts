import type { Latency, LoadWindow } from './types.ts';

/** A turn's outcome, reduced to what windows count. Times in ms since the load began. */
export interface TurnOutcome {
  startMs: number;
  endMs: number;
  answered: boolean;
  latencyMs: number;
  kept: number;
  lost: number;
  leaked: number;
  /** Why the app failed it. */
  failure?: string;
}

/** When a disruption ran. */
export interface Span {
  description: string;
  startMs: number;
  endMs: number;
}

type Place = { name: LoadWindow['name']; index: number };

/**
 * Where a turn ran relative to the disruptions: during the first one it overlapped (it was in
 * flight at some moment of it), else after the last one that ended before it started, else before
 * the first. Pure.
 */
export function placeOf(turn: { startMs: number; endMs: number }, spans: readonly Span[]): Place {
  const during = spans.findIndex((s) => turn.startMs <= s.endMs && turn.endMs >= s.startMs);
  if (during >= 0) return { name: 'during', index: during };
  const after = spans.findLastIndex((s) => s.endMs < turn.startMs);
  return after >= 0 ? { name: 'after', index: after } : { name: 'before', index: 0 };
}

/** `during redeploy all (rolling, fresh disks)` */
export function placeText(place: Place, spans: readonly Span[]): string {
  const d = spans[place.index];
  return d ? `${place.name} ${d.description}` : 'no disruption';
}

/** Before the first disruption, then during and after each: counts, memories and latency. Empty without disruptions. Pure. */
export function summarizeWindows(turns: readonly TurnOutcome[], spans: readonly Span[]): LoadWindow[] {
  if (spans.length === 0) return [];
  const places: Place[] = [
    { name: 'before', index: 0 },
    ...spans.flatMap((_, index): Place[] => [
      { name: 'during', index },
      { name: 'after', index },
    ]),
  ];
  const groups = new Map(places.map((p) => [`${p.name}${p.index}`, [] as TurnOutcome[]]));
  for (const t of turns) {
    const p = placeOf(t, spans);
    groups.get(`${p.name}${p.index}`)?.push(t);
  }
  return places.map((p) => {
    const ts = groups.get(`${p.name}${p.index}`) ?? [];
    const answered = ts.filter((t) => t.answered);
    return {
      name: p.name,
      disruption: spans[p.index]?.description ?? '',
      turns: { sent: ts.length, answered: answered.length, failed: ts.length - answered.length },
      memories: {
        kept: sum(ts.map((t) => t.kept)),
        lost: sum(ts.map((t) => t.lost)),
        leaked: sum(ts.map((t) => t.leaked)),
      },
      latency: latencyOf(answered.map((t) => t.latencyMs)),
    };
  });
}

/** p50, p90, p99 (nearest rank) and the maximum; null for no sample. Pure. */
export function latencyOf(samples: readonly number[]): Latency | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
  return { p50: rank(50), p90: rank(90), p99: rank(99), max: s.at(-1) as number };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
