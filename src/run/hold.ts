import type { TurnHooks } from '../llm/index.ts';

/**
 * How long a group waits for its slowest turn to reach the LLM before it lets the others through.
 * Only an app that makes a turn wait for another one of its session before calling the LLM (a
 * lock on the session) ever waits this long; every other app reaches the LLM within milliseconds.
 */
export const HOLD_LIMIT_MS = 5_000;

/**
 * Holds a group of turns at their first LLM request, so that turns sent at once really overlap
 * (each has read its memory before any has answered) and a disruption can start while they are
 * in flight, without guessing at timing.
 *
 * A turn is in flight once its first LLM request has arrived (and is held), or once its request
 * has ended (an app that answered without the LLM, or failed). `inFlight` settles when every turn
 * is, or when `limitMs` has passed; it lists the turns that were not in flight by then.
 *
 * @example
 * const hold = new TurnHold(2);
 * llm.beginTurn(scope, 'r1w2', turnA, hold.hooks(0)); // … and send it
 * await hold.inFlight;
 * hold.releaseAll();
 */
export class TurnHold {
  readonly inFlight: Promise<{ late: number[] }>;
  private readonly arrived: boolean[];
  private readonly releases: (() => void)[] = [];
  private readonly released: Promise<void>[] = [];
  private settle!: (v: { late: number[] }) => void;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(count: number, limitMs = HOLD_LIMIT_MS) {
    this.arrived = Array.from({ length: count }, () => false);
    for (let i = 0; i < count; i++)
      this.released.push(new Promise<void>((resolve) => this.releases.push(resolve)));
    this.inFlight = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.timer = setTimeout(() => this.done(), limitMs);
    if (count === 0) this.done();
  }

  /** The mock LLM hooks of turn `i`: its first request marks it in flight and waits for its release. */
  hooks(i: number): TurnHooks {
    return {
      firstRequest: () => {
        this.mark(i);
        return this.released[i] ?? Promise.resolve();
      },
    };
  }

  /** Turn `i`'s request ended: it is no longer waiting for anything. */
  ended(i: number): void {
    this.mark(i);
  }

  release(i: number): void {
    this.releases[i]?.();
  }

  releaseAll(): void {
    clearTimeout(this.timer);
    this.done();
    for (const r of this.releases) r();
  }

  private mark(i: number): void {
    this.arrived[i] = true;
    if (this.arrived.every(Boolean)) this.done();
  }

  private done(): void {
    clearTimeout(this.timer);
    this.settle({ late: this.arrived.flatMap((a, i) => (a ? [] : [i])) });
  }
}
