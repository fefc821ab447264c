import type { Diagnosis, Rung } from '../run/types.ts';

/** What the probe ladder showed, as plain lines (each renderer dresses them). */
export interface DiagnosisText {
  signature: string;
  /** `row 2: …`, or what the signature means when no row matches, or that the probe kept everything. */
  findings: string[];
  /** Rungs that did not run, and why. */
  notes: string[];
  advice: string;
}

export function diagnosisText(d: Diagnosis): DiagnosisText {
  const notes = d.rungs
    .filter((r) => r.kept === null)
    .map((r) => `${r.rung} not run${r.note ? `: ${r.note}` : ''}`);
  const findings = !d.reproduced
    ? [
        'the short probe could not reproduce the loss: every rung kept its fact, so the failure depends on something the ladder does not do (this scenario’s steps, timing or routing)',
      ]
    : d.rows.length > 0
      ? d.rows.map((r) => `row ${r.id}: ${r.cause}`)
      : [`no row of the failure table has this signature: ${keptAndLost(d)}`];
  return { signature: d.signature, findings, notes, advice: d.advice };
}

/** `kept on SW, OW, RS; lost on OR, CR, RD`: a signature in words. */
export function keptAndLost(d: Diagnosis): string {
  const on = (kept: boolean): Rung[] => d.rungs.filter((r) => r.kept === kept).map((r) => r.rung);
  const parts = [
    on(true).length > 0 ? `kept on ${on(true).join(', ')}` : '',
    on(false).length > 0 ? `lost on ${on(false).join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'no rung ran';
}
