import { MockLlmError } from './errors.ts';
import type { RecordedLlmRequest, TurnHooks, TurnScope } from './types.ts';

/** Where and when a request arrived, and the turn it is attributed to. */
export interface Arrival {
  seq: number;
  at: number;
  scope: string;
  worker: string;
  turn: TurnScope | null;
  /** Settles when the request may be answered: the turn's `firstRequest` hook, on its first request. */
  hold?: Promise<void>;
}

/**
 * The turns in flight per worker and the record of every request. A request is attributed when it
 * arrives: to the turn in flight on the worker whose URL it used, or to none. Requests on the bare
 * `/v1` URL (no scope, no worker) are never attributed.
 */
export class RequestLog {
  readonly #turns = new Map<string, TurnScope>();
  /** Hooks of turns in flight that have not yet seen a request. */
  readonly #hooks = new Map<TurnScope, TurnHooks>();
  /** Records in order of `seq`, each with the turn it was attributed to (by identity, not only by id). */
  readonly #records: { record: RecordedLlmRequest; turn: TurnScope | null }[] = [];
  readonly #now: () => number;
  #seq = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  beginTurn(scope: string, worker: string, turn: TurnScope, hooks?: TurnHooks): void {
    requireName('scope', scope);
    requireName('worker', worker);
    const key = workerKey(scope, worker);
    const current = this.#turns.get(key);
    if (current !== undefined) {
      throw new MockLlmError(
        'AMNESIA_LLM_TURN_IN_FLIGHT',
        `worker "${worker}" of scope "${scope}" already has turn ${current.turnId} (${current.label}) in flight; ` +
          `call endTurn("${scope}", "${worker}") before beginning turn ${turn.turnId} (${turn.label}).`,
      );
    }
    const scoped = snapshot(turn);
    this.#turns.set(key, scoped);
    if (hooks?.firstRequest) this.#hooks.set(scoped, hooks);
  }

  endTurn(scope: string, worker: string): RecordedLlmRequest[] {
    const key = workerKey(scope, worker);
    const turn = this.#turns.get(key);
    if (turn === undefined) {
      throw new MockLlmError(
        'AMNESIA_LLM_NO_TURN',
        `worker "${worker}" of scope "${scope}" has no turn in flight; call beginTurn first.`,
      );
    }
    this.#turns.delete(key);
    this.#hooks.delete(turn);
    return this.#records.filter((entry) => entry.turn === turn).map((entry) => entry.record);
  }

  /** Numbers a request and attributes it; call when its head arrives. */
  arrive(scope: string, worker: string): Arrival {
    const turn = scope === '' && worker === '' ? null : (this.#turns.get(workerKey(scope, worker)) ?? null);
    const hooks = turn ? this.#hooks.get(turn) : undefined;
    if (turn && hooks) this.#hooks.delete(turn);
    // A hold never fails the request: whatever the engine's hook does, the app gets its answer.
    const hold = hooks?.firstRequest?.().catch(() => {});
    return { seq: ++this.#seq, at: this.#now(), scope, worker, turn, ...(hold ? { hold } : {}) };
  }

  /** Keeps a finished record, in order of `seq` (records arrive in order of completion). */
  add(arrival: Arrival, record: RecordedLlmRequest): void {
    let index = this.#records.length;
    while (index > 0 && (this.#records[index - 1]?.record.seq ?? 0) > record.seq) index--;
    this.#records.splice(index, 0, { record, turn: arrival.turn });
  }

  requests(filter: { scope?: string; turnId?: string | null } = {}): RecordedLlmRequest[] {
    return this.#records
      .map((entry) => entry.record)
      .filter(
        (record) =>
          (filter.scope === undefined || record.scope === filter.scope) &&
          (filter.turnId === undefined || record.turnId === filter.turnId),
      );
  }

  clear(scope: string): void {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      if (this.#records[i]?.record.scope === scope) this.#records.splice(i, 1);
    }
    const prefix = workerKey(scope, '');
    for (const [key, turn] of [...this.#turns]) {
      if (!key.startsWith(prefix)) continue;
      this.#turns.delete(key);
      this.#hooks.delete(turn);
    }
  }
}

function workerKey(scope: string, worker: string): string {
  return `${scope}\u0000${worker}`;
}

function requireName(what: 'scope' | 'worker', value: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new MockLlmError(
      'AMNESIA_LLM_BAD_ARGUMENT',
      `the mock LLM needs a non-empty ${what} string, got ${JSON.stringify(value)}.`,
    );
  }
}

function snapshot(turn: TurnScope): TurnScope {
  return Object.freeze({
    ...turn,
    priorTurns: Object.freeze(turn.priorTurns.map((prior) => Object.freeze({ ...prior }))),
  }) as TurnScope;
}
