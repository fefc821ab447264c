import type { Diagnosis } from '../types/results.ts';
import { RUNG_NAMES } from '../verdict/failure-table.ts';
import { painter } from './paint.ts';

/** The probe ladder's verdict for the terminal: the signature, each rung, the matching rows, what to change. */
export function renderProbe(d: Diagnosis, o: { color: boolean; title: string }): string {
  const p = painter(o.color);
  const lines = [`${p('bold', o.title)}  ${d.signature}`];
  for (const r of d.rungs) {
    const mark = r.kept === null ? p('dim', '–') : r.kept ? p('green', '✓') : p('red', '✗');
    lines.push(`  ${mark} ${r.rung}  ${RUNG_NAMES[r.rung]}${r.note ? p('dim', `  (${r.note})`) : ''}`);
  }
  if (d.rows.length) {
    lines.push(d.rows.length > 1 ? 'diagnosis (rows with this signature):' : 'diagnosis:');
    for (const row of d.rows) lines.push(`  row ${row.id}: ${row.cause}`);
  } else {
    lines.push('diagnosis: no row of the failure table matches');
  }
  lines.push(`  → ${d.advice}`);
  return `${lines.join('\n')}\n`;
}
