import type { Diagnosis, Rung, ScenarioResult } from '../types/results.ts';
import { FAILURE_TABLE } from '../verdict/failure-table.ts';
import { stackAdvice } from '../verdict/stack.ts';

/** What the probe ladder showed and what explains each failed turn, as plain lines (each renderer dresses them). */
export interface DiagnosisText {
  /** `SW ✓ OW ✗ …`, when the probe ran. */
  signature?: string;
  /** What the probe found: `row 2: …`, what a signature of no row means, or that it kept every fact. */
  findings: string[];
  /** Rungs not judged, one line per reason. */
  notes: string[];
  /** Per failed turn, what explains it (or that nothing does). */
  turns: string[];
  /** What to change: `row 4: …`, once per row that explains a turn or that the probe found. */
  advice: string[];
}

/** The diagnosis of a scenario that did not pass, or undefined when there is none. */
export function diagnosisText(
  s: Pick<ScenarioResult, 'diagnosis' | 'explanations'> & Partial<Pick<ScenarioResult, 'stack'>>,
): DiagnosisText | undefined {
  const d = s.diagnosis;
  const turns = (s.explanations ?? []).map((e) => e.text);
  if (!d && turns.length === 0) return undefined;
  const findings = !d
    ? []
    : !d.reproduced
      ? ['the probe kept every fact (every rung ✓): it does not reproduce this failure']
      : d.rows.length > 0
        ? [...d.rows.map((r) => `row ${r.id}: ${r.cause}`), ...alsoLost(d)]
        : [d.advice];
  const ids = [...(s.explanations ?? []).flatMap((e) => e.rows), ...(d?.rows.map((r) => r.id) ?? [])];
  const advice = [
    ...new Set(
      ids.flatMap((id) => {
        const row = FAILURE_TABLE.find((r) => r.id === id);
        if (!row || row.id === '✓') return [];
        const own = stackAdvice(s.stack, id);
        const here =
          own && s.stack
            ? `; here, with ${s.stack.name} (the app imports \`${s.stack.imported}\`): ${own}`
            : '';
        return [`row ${id}: ${row.advice}${here}`];
      }),
    ),
  ];
  return {
    ...(d ? { signature: d.signature } : {}),
    findings,
    notes: d ? notJudged(d) : [],
    turns,
    advice,
  };
}

/** A leak (row 7) where memory is also lost on rungs no other row explains: say where. */
function alsoLost(d: Diagnosis): string[] {
  if (d.rows.some((r) => r.id !== '7')) return [];
  const lost = d.rungs.filter((r) => r.kept === false).map((r) => r.rung);
  return lost.length > 0 ? [`memory is also lost on ${lost.join(', ')}, a signature no other row has`] : [];
}

/** `OW, LT: skipped: needs 2 workers per replica`: rungs not judged, grouped by why. */
function notJudged(d: Diagnosis): string[] {
  const byNote = new Map<string, Rung[]>();
  for (const r of d.rungs) {
    if (r.kept !== null) continue;
    const note = r.note ?? 'not run';
    byNote.set(note, [...(byNote.get(note) ?? []), r.rung]);
  }
  return [...byNote].map(([note, rungs]) => `${rungs.join(', ')}: ${note}`);
}
