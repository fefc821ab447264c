import type { Rung } from '../types/results.ts';

/**
 * The ladder's rungs in signature order; `LT` is climbed only for apps with long-term memory, `SL`
 * only when the topology is serverless.
 */
export const RUNGS: readonly Rung[] = ['SW', 'OW', 'OR', 'RS', 'CR', 'CI', 'RD', 'CC', 'LT', 'SL'];

/** The rungs every ladder climbs (`CC` is skipped on one process: it needs 2 workers). */
export const BASE_RUNGS: readonly Rung[] = ['SW', 'OW', 'OR', 'RS', 'CR', 'CI', 'RD', 'CC'];

export const RUNG_NAMES: Record<Rung, string> = {
  SW: 'same worker',
  OW: 'other worker of the replica',
  OR: 'other replica',
  RS: 'after a graceful restart',
  CR: 'after a crash and respawn',
  CI: 'after a crash at once after the answer (no pause for the save to land)',
  RD: 'after a redeploy of the replica',
  CC: 'two turns of one session at once, on two workers',
  LT: 'an old fact, after filler turns, on another worker',
  SL: 'on a fresh serverless instance (a cold start)',
};

/** One row of the failure table: a cause, how to recognise it, and what to change. */
export interface FailureRow {
  id: string;
  cause: string;
  /** Where a fact said on r1w1 is still recalled, per rung; a rung left out is any. */
  kept?: Partial<Record<Rung, boolean>>;
  /** A leak between sessions comes with it. */
  leak?: boolean;
  /**
   * Matches only when this rung was judged (a row that differs from another by it alone), or, for
   * `cookie`, when a worker was seen replacing the client's cookie with a fresh one.
   */
  needs?: Rung | 'cookie';
  /** Rows recognised from a turn's own evidence rather than from a signature. */
  evidence?: string;
  advice: string;
}

/** Kept on these rungs, lost on every other of `judged` (a rung not judged is any). */
const keptOnly = (kept: readonly Rung[], judged: readonly Rung[] = RUNGS): Partial<Record<Rung, boolean>> =>
  Object.fromEntries(judged.map((rung) => [rung, kept.includes(rung)]));

const KEPT_EVERYWHERE = keptOnly(RUNGS);

/**
 * The failure table, the one source of the docs' table (docs/guide/failure-table.md) and of every printed diagnosis
 * (a test checks the docs against it). Rows 4, 5 and 10 are read from a failed turn's evidence
 * (row 9 too, where the ladder's CC rung could not run). Row 12 (CI ✗ where CR ✓) comes on top of
 * the row of the app's store, whose rungs other than CI it leaves open.
 */
export const FAILURE_TABLE: readonly FailureRow[] = [
  {
    id: '1',
    cause: 'memory created inside the request handler, or history passed as a list that gets copied',
    kept: keptOnly(
      [],
      RUNGS.filter((rung) => rung !== 'LT'),
    ),
    advice: 'nothing is kept between requests: keep memory per session in a store',
  },
  {
    id: '2',
    cause: 'per-session memory in a process-global map',
    kept: keptOnly(['SW']),
    advice: "state lives in one process's RAM: move it to a shared store",
  },
  {
    id: '2',
    cause: 'long-term memory in an index or storage context that is never persisted',
    kept: { ...KEPT_EVERYWHERE, LT: false, SL: false },
    needs: 'LT',
    advice: "state lives in one process's RAM: move it to a shared store",
  },
  {
    id: '3',
    cause: 'state on the local disk (`./storage`, a sqlite file in the app folder)',
    kept: { SW: true, OW: true, OR: false, RS: true, CR: true, CI: true, RD: false, LT: true, SL: false },
    advice: "state lives on one host's disk: replicas and redeploys lose it; use a shared store",
  },
  {
    id: '4',
    cause: 'history trimmed by a memory window or a token limit',
    evidence: 'the prompt holds only the latest messages',
    advice:
      'older turns are dropped before the LLM sees them: raise the limit, summarize older turns, or keep facts in long-term memory; if the window is intended, ask only for recent turns (`recall_recent`)',
  },
  {
    id: '5',
    cause: 'a wrong type (a list where a memory object is expected) that throws',
    evidence: 'the app errors',
    advice: 'pass the memory object the framework expects (a `Memory`, not a list of messages)',
  },
  {
    id: '6a',
    cause: 'RAM state saved at graceful shutdown, loaded at startup',
    kept: keptOnly(['SW', 'RS']),
    advice: 'saved only on shutdown: a crash loses it and workers never share it',
  },
  {
    id: '6b',
    cause: 'a per-process cache of a durable store, loaded at startup, never re-read',
    kept: keptOnly(['SW', 'RS', 'CR', 'CI', 'RD', 'SL']),
    advice: 'reads a stale per-process cache: re-read the store on every request',
  },
  {
    id: '7',
    cause: 'memory not keyed by session',
    kept: { SW: true, OW: true, OR: true, RS: true, CR: true, CI: true, RD: true, LT: true },
    leak: true,
    advice: 'memory leaks between sessions: key memory by session id',
  },
  {
    id: '8',
    cause: 'serverless: a fresh process per request (Lambda, Cloud Run scaled to zero, Vercel functions)',
    kept: { SL: false },
    needs: 'SL',
    advice: 'state must live outside the process and its /tmp',
  },
  {
    id: '9',
    cause:
      'lost update: history written back whole (read, append, write) by requests of one session that overlap',
    kept: { ...KEPT_EVERYWHERE, CC: false },
    needs: 'CC',
    advice:
      'append, or write in a transaction; never write the whole history back; where the framework writes it (a checkpointer, a chat store, a file store), one request per session at a time (a lock or queue per session)',
  },
  {
    id: '10',
    cause: 'lost in flight: a worker stopped while answering saves nothing (no drain on SIGTERM)',
    evidence: 'a turn in flight is dropped or forgotten',
    advice: 'drain in-flight requests before exiting',
  },
  {
    id: '11',
    cause:
      'client-held state rejected by another process: history or session in a signed or encrypted cookie whose key is made at boot',
    kept: keptOnly(['SW']),
    needs: 'cookie',
    advice:
      'one signing key for every process, from the environment (`SESSION_SECRET`), never one made at boot: another worker replaced the cookie the client sent with a fresh one',
  },
  {
    id: '12',
    cause:
      'save not awaited: the answer is sent before the history is written (an `onEnd` callback, a background task)',
    kept: { SW: true, RS: true, CR: true, CI: false },
    needs: 'CI',
    advice:
      'await the write before answering: a process that dies between the answer and the write (a crash, an OOM kill) loses the turn, and a next turn that comes quickly reads the history without it',
  },
  {
    id: '✓',
    cause: 'a shared store keyed by session id, read on every request, appended to',
    kept: KEPT_EVERYWHERE,
    advice: 'memory is kept everywhere the probe looked',
  },
];

/** The row with this id (the first, for ids shared by two causes). */
export function failureRow(id: string): FailureRow {
  const row = FAILURE_TABLE.find((r) => r.id === id);
  if (!row) throw new Error(`no row ${id} in the failure table`);
  return row;
}
