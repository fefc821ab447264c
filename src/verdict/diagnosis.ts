import type { Diagnosis, Rung, RungResult } from '../run/types.ts';

export const RUNGS: readonly Rung[] = ['SW', 'OW', 'OR', 'RS', 'CR', 'RD'];

export const RUNG_NAMES: Record<Rung, string> = {
  SW: 'same worker',
  OW: 'other worker of the replica',
  OR: 'other replica',
  RS: 'after a graceful restart',
  CR: 'after a crash and respawn',
  RD: 'after a redeploy of the replica',
  SL: 'on a fresh serverless instance (a cold start)',
};

interface Row {
  id: string;
  cause: string;
  /** ✓/✗ for SW OW OR RS CR RD. */
  kept: readonly boolean[];
  leak: boolean;
  advice: string;
}

const ALL = [true, true, true, true, true, true];

/** DESIGN.md's failure table: where a fact said on r1w1 can still be recalled, per cause. */
export const FAILURE_TABLE: readonly Row[] = [
  {
    id: '1',
    cause: 'memory created inside the request handler, or history passed as a plain list that gets copied',
    kept: [false, false, false, false, false, false],
    leak: false,
    advice: 'nothing is kept between requests: keep memory per session in a store',
  },
  {
    id: '2',
    cause:
      'per-session memory in a process-global map; or long-term memory in an index / storage context that is never persisted',
    kept: [true, false, false, false, false, false],
    leak: false,
    advice: "state lives in one process's RAM: move it to a shared store",
  },
  {
    id: '3',
    cause: 'state on the local disk (./storage, a sqlite file in the app dir)',
    kept: [true, true, false, true, true, false],
    leak: false,
    advice: "state lives on one host's disk: replicas and redeploys lose it",
  },
  {
    id: '6a',
    cause: 'RAM state saved at graceful shutdown, loaded at startup',
    kept: [true, false, false, true, false, false],
    leak: false,
    advice: 'saved only on shutdown: a crash loses it, workers never share it',
  },
  {
    id: '6b',
    cause: 'a per-process cache of a durable store, loaded at startup, never re-read',
    kept: [true, false, false, true, true, true],
    leak: false,
    advice: 'reads a stale per-process cache: re-read the store on every request',
  },
  {
    id: '7',
    cause: 'memory not keyed by session (one user’s facts in another’s prompt)',
    kept: ALL,
    leak: true,
    advice: 'memory leaks between sessions: key memory by session id',
  },
  {
    id: '✓',
    cause: 'the fixed pattern: a shared store keyed by session id, read on every request',
    kept: ALL,
    leak: false,
    advice: 'memory is kept everywhere the probe looked',
  },
];

/** Row 8, named when the rung SL (run only for an app configured serverless) lost the fact. */
export const SERVERLESS_ROW = {
  id: '8',
  cause: 'serverless: a fresh process per request (Lambda, Cloud Run scaled to zero, Vercel functions)',
  advice: 'state must live outside the process and its /tmp',
};

export const TYPE_MISMATCH_ROW = {
  id: '5',
  cause: 'wrong type (a list where a memory object is expected) that throws',
};

export function formatSignature(rungs: readonly RungResult[]): string {
  return rungs.map((r) => `${r.rung} ${r.kept === null ? '–' : r.kept ? '✓' : '✗'}`).join(' ');
}

/** Mentions that point at the memory's type rather than at the app's logic. */
const TYPE_HINTS =
  /is not a function|is not iterable|cannot read propert|chatHistory|memory|ChatMessage|adapters?.*compatible/i;

/**
 * Read the diagnosis off the signature. A row matches when every rung that ran agrees with it
 * (skipped rungs match anything), and rows sharing a signature are named together. A
 * signature matching no row is reported as it is, never forced into one.
 */
export function diagnose(
  rungs: readonly RungResult[],
  o: { leak: boolean; scenarioFailed: boolean; appErrors?: readonly string[] },
): Diagnosis {
  const d = diagnoseRows(rungs, o);
  // SL is no column of the table's rows: a fact lost on it adds row 8 to whatever the others say.
  if (!rungs.some((r) => r.rung === 'SL' && r.kept === false)) return d;
  const alone = d.rows.length === 0;
  return {
    ...d,
    rows: [...d.rows, { id: SERVERLESS_ROW.id, cause: SERVERLESS_ROW.cause }],
    advice: alone ? SERVERLESS_ROW.advice : `${d.advice}; and, serverless: ${SERVERLESS_ROW.advice}`,
  };
}

function diagnoseRows(
  rungs: readonly RungResult[],
  o: { leak: boolean; scenarioFailed: boolean; appErrors?: readonly string[] },
): Diagnosis {
  const signature = formatSignature(rungs);
  const ran = rungs.filter((r) => r.kept !== null);
  const errors = o.appErrors ?? [];
  if (ran.length === 0 && errors.length > 0) {
    const typeMismatch = errors.some((e) => TYPE_HINTS.test(e));
    return {
      rungs: [...rungs],
      signature,
      rows: typeMismatch ? [TYPE_MISMATCH_ROW] : [],
      advice: typeMismatch
        ? `the app fails on its memory object, likely a type mismatch (a list where a memory object is expected): ${firstLine(errors[0])}`
        : `the app failed during the probe, so no rung could be judged: ${firstLine(errors[0])}`,
      reproduced: true,
    };
  }
  const pick = (id: string) => FAILURE_TABLE.find((r) => r.id === id) as Row;
  const matches = FAILURE_TABLE.filter(
    (row) =>
      row.id !== '7' &&
      row.id !== '✓' &&
      rungs.every((r) => {
        const i = RUNGS.indexOf(r.rung);
        return i < 0 || r.kept === null || r.kept === row.kept[i];
      }),
  );
  const allKept = ran.every((r) => r.kept);
  const result = (rows: readonly Row[], advice: string, reproduced = true): Diagnosis => ({
    rungs: [...rungs],
    signature,
    rows: rows.map(({ id, cause }) => ({ id, cause })),
    advice,
    reproduced,
  });
  if (o.leak) {
    // A leak outranks everything; where memory is also lost, say that too.
    const rows = allKept ? [pick('7')] : [pick('7'), ...matches];
    const also = allKept
      ? ''
      : matches.length
        ? `; also ${matches.map((m) => m.advice).join('; or: ')}`
        : `; also lost on ${ran
            .filter((r) => !r.kept)
            .map((r) => r.rung)
            .join(', ')}`;
    return result(rows, `${pick('7').advice}${also}`);
  }
  if (allKept) {
    return o.scenarioFailed
      ? result(
          [],
          'the short probe could not reproduce the loss: every rung kept its fact, so the loss depends on something the probe does not do (the length of the conversation, a retrieval path, the order of turns); start from the failed turn’s evidence',
          false,
        )
      : result([pick('✓')], pick('✓').advice);
  }
  if (matches.length === 0) {
    const kept = ran.filter((r) => r.kept).map((r) => r.rung);
    const lost = ran.filter((r) => !r.kept).map((r) => r.rung);
    return result(
      [],
      `no row of the failure table has this signature: kept on ${kept.join(', ') || 'no rung'}; lost on ${lost.join(', ')}`,
    );
  }
  return result(matches, [...new Set(matches.map((m) => m.advice))].join('; or: '));
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0] ?? '';
}
