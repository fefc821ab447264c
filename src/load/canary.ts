/**
 * The facts a load run's sessions say: one per turn, unique to the run, the session and the turn,
 * all of one length (so that none contains another, as the mock LLM's markers must not), and
 * readable back from any text: `canary-a6e8-s0017-t04`.
 */
export class Canaries {
  readonly #salt: string;
  readonly #sessionWidth: number;
  readonly #turnWidth: number;
  readonly #pattern: RegExp;

  constructor(salt: string, sessions: number, turns: number) {
    if (!/^[a-z0-9]+$/.test(salt)) throw new Error(`a canary salt is lowercase letters and digits: ${salt}`);
    this.#salt = salt;
    this.#sessionWidth = Math.max(4, String(sessions).length);
    this.#turnWidth = Math.max(2, String(turns).length);
    this.#pattern = new RegExp(
      `canary-${salt}-s(\\d{${this.#sessionWidth}})-t(\\d{${this.#turnWidth}})`,
      'g',
    );
  }

  /** `s0017`: the name of session 17 (1-based) in labels and evidence. */
  session(session: number): string {
    return `s${String(session).padStart(this.#sessionWidth, '0')}`;
  }

  /** The fact turn `turn` (1-based) of session `session` says. */
  of(session: number, turn: number): string {
    return `canary-${this.#salt}-${this.session(session)}-t${String(turn).padStart(this.#turnWidth, '0')}`;
  }

  /** Every fact of this run found in a text, in order. */
  in(text: string): { session: number; turn: number; canary: string }[] {
    return [...text.matchAll(this.#pattern)].map((m) => ({
      session: Number(m[1]),
      turn: Number(m[2]),
      canary: m[0],
    }));
  }
}
