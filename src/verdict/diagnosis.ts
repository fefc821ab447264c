import type { Diagnosis, RungResult } from '../types/results.ts';
import { nameAppError } from './app-error.ts';
import { FAILURE_TABLE, type FailureRow, failureRow } from './failure-table.ts';

export function formatSignature(rungs: readonly RungResult[]): string {
  return rungs.map((r) => `${r.rung} ${r.kept === null ? '–' : r.kept ? '✓' : '✗'}`).join(' ');
}

/** A signature row agrees with every rung that ran (a rung it leaves out, or one not run, is any). */
function agrees(row: FailureRow, rungs: readonly RungResult[], cookieReplaced = false): boolean {
  if (!row.kept) return false;
  if (row.needs === 'cookie') {
    if (!cookieReplaced) return false;
  } else if (row.needs && !rungs.some((r) => r.rung === row.needs && r.kept !== null)) return false;
  return rungs.every(
    (r) => r.kept === null || row.kept?.[r.rung] === undefined || row.kept[r.rung] === r.kept,
  );
}

/**
 * Read the diagnosis off the signature. A row matches when every rung that ran agrees with it
 * (skipped rungs match anything), and rows sharing a signature are named together. A
 * signature matching no row is reported as it is, never forced into one. When no rung could be
 * judged because the app failed, the app's own words (its error, its output tail) name the row.
 */
export function diagnose(
  rungs: readonly RungResult[],
  o: {
    leak: boolean;
    scenarioFailed: boolean;
    appErrors?: readonly string[];
    /** A worker answered a session by replacing the cookie the client sent with a fresh one (row 11). */
    cookieReplaced?: boolean;
  },
): Diagnosis {
  const signature = formatSignature(rungs);
  const ran = rungs.filter((r) => r.kept !== null);
  const result = (rows: readonly FailureRow[], advice: string, reproduced = true): Diagnosis => ({
    rungs: [...rungs],
    signature,
    rows: rows.map(({ id, cause }) => ({ id, cause })),
    advice,
    reproduced,
  });
  const named = nameAppError(o.appErrors ?? []);
  if (ran.length === 0 && named) {
    return named.typeMismatch
      ? result(
          [failureRow('5')],
          `the app fails on its memory object, likely a type mismatch (a list where a memory object is expected): ${named.text}`,
        )
      : result([], `the app failed during the probe, so no rung could be judged: ${named.text}`);
  }
  // Answered before saved (row 12: CI ✗ where CR ✓): the rest of the signature is the store's,
  // read as if CI had kept what CR kept.
  const late = agrees(failureRow('12'), rungs) ? [failureRow('12')] : [];
  const cr = rungs.find((r) => r.rung === 'CR')?.kept ?? null;
  const store = late.length > 0 ? rungs.map((r) => (r.rung === 'CI' ? { ...r, kept: cr } : r)) : rungs;
  const agreeing = FAILURE_TABLE.filter(
    (row) => !row.leak && row.id !== '✓' && row.id !== '12' && agrees(row, store, o.cookieReplaced),
  );
  // The evidence of a replaced cookie tells row 11 apart from row 2, whose signature it shares.
  const signed = agreeing.some((r) => r.needs === 'cookie') ? agreeing.filter((r) => r.id !== '2') : agreeing;
  // CC lost where no named row loses it (row 3: the rung's two workers share the replica's disk,
  // so the disk cannot explain it): a lost update besides, row 9.
  const ccLost = rungs.some((r) => r.rung === 'CC' && r.kept === false);
  const lostUpdate =
    ccLost && signed.length > 0 && !signed.some((m) => m.kept?.CC === false) ? [failureRow('9')] : [];
  const matches = [...signed, ...lostUpdate, ...late];
  const allKept = ran.every((r) => r.kept);
  const leakRow = failureRow('7');
  const fixed = failureRow('✓');
  if (o.leak) {
    // A leak outranks everything; where memory is also lost, say that too.
    const rows = allKept ? [leakRow] : [leakRow, ...matches];
    const also = allKept
      ? ''
      : matches.length
        ? `; also ${matches.map((m) => m.advice).join('; or: ')}`
        : `; also lost on ${ran
            .filter((r) => !r.kept)
            .map((r) => r.rung)
            .join(', ')}`;
    return result(rows, `${leakRow.advice}${also}`);
  }
  if (allKept) {
    // Every rung held: for a failed scenario the probe did not reproduce the loss, and says so once
    // (the report's finding); the failed turns' own evidence explains them.
    return o.scenarioFailed ? result([], '', false) : result([fixed], fixed.advice);
  }
  if (matches.length === 0) {
    const kept = ran.filter((r) => r.kept).map((r) => r.rung);
    const lost = ran.filter((r) => !r.kept).map((r) => r.rung);
    return result(
      [],
      `no row of the failure table has this signature: kept on ${kept.join(', ') || 'no rung'}; lost on ${lost.join(', ')}`,
    );
  }
  // Row 8 (lost on SL) comes on top of what the other rungs say: "and", not "or"; so does row 9
  // where the signature named another row.
  const serverless = matches.filter((m) => m.needs === 'SL');
  const others = signed.filter((m) => m.needs !== 'SL');
  const advice = [...new Set(others.map((m) => m.advice))].join('; or: ');
  const extra = serverless.map((m) => m.advice).join('; ');
  const main = advice && extra ? `${advice}; and, serverless: ${extra}` : advice || extra;
  const also = [
    ...lostUpdate.map((m) => `; and, for turns at once (CC: two workers that share a disk): ${m.advice}`),
    ...late.map((m) => `; and, answered before saved (CI ✗ where CR ✓): ${m.advice}`),
  ];
  if (!main && lostUpdate.length === 0) return result(matches, late.map((m) => m.advice).join(''));
  return result(matches, `${main}${also.join('')}`);
}
