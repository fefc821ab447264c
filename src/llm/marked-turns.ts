import { MockLlmError } from './errors.ts';
import { chatMessages, embeddingInputs, field, parseBody } from './request-body.ts';
import { responsesInput } from './responses-api.ts';
import type { RecordedLlmRequest, TurnScope } from './types.ts';

interface Marked {
  marker: string;
  turn: TurnScope;
  records: RecordedLlmRequest[];
}

/**
 * Turns attributed by a marker the app sends the LLM (a unique text in the user's message), not
 * by the worker's URL: any number of them may be in flight on one worker, as under load. A request
 * of the scope whose body holds exactly one in-flight marker belongs to that turn; when several
 * are in it (one session's history quoting another's message), the one in the last user message
 * (or in the embeddings input) decides; a request with none, or no single one, belongs to no turn.
 * Markers must not contain one another (give them one length).
 */
export class MarkedTurns {
  readonly #scopes = new Map<string, Map<string, Marked>>();
  readonly #byTurn = new Map<TurnScope, Marked>();

  begin(scope: string, marker: string, turn: TurnScope): void {
    if (typeof marker !== 'string' || marker === '') {
      throw new MockLlmError(
        'AMNESIA_LLM_BAD_ARGUMENT',
        `a marked turn needs a non-empty marker, got ${JSON.stringify(marker)}.`,
      );
    }
    const turns = this.#scopes.get(scope) ?? new Map<string, Marked>();
    const current = turns.get(marker);
    if (current) {
      throw new MockLlmError(
        'AMNESIA_LLM_TURN_IN_FLIGHT',
        `marker "${marker}" of scope "${scope}" already names turn ${current.turn.turnId} (${current.turn.label}) in flight; end it before beginning turn ${turn.turnId} (${turn.label}).`,
      );
    }
    const m: Marked = { marker, turn, records: [] };
    turns.set(marker, m);
    this.#byTurn.set(turn, m);
    this.#scopes.set(scope, turns);
  }

  /** The in-flight turn a request of this scope belongs to, read off its body; null for none. */
  identify(scope: string, bodyText: string): TurnScope | null {
    const turns = this.#scopes.get(scope);
    if (!turns?.size) return null;
    const found: Marked[] = [];
    for (const m of turns.values()) if (bodyText.includes(m.marker)) found.push(m);
    if (found.length <= 1) return found[0]?.turn ?? null;
    const own = ownText(bodyText);
    const narrowed = found.filter((m) => own.includes(m.marker));
    return narrowed.length === 1 ? (narrowed[0] as Marked).turn : null;
  }

  /** Keeps a finished record with its turn; false when that turn already ended (the record is the log's). */
  add(turn: TurnScope, record: RecordedLlmRequest): boolean {
    const m = this.#byTurn.get(turn);
    m?.records.push(record);
    return m !== undefined;
  }

  /** Ends the turn; returns its requests answered so far, in order of arrival. */
  end(scope: string, marker: string): RecordedLlmRequest[] {
    const turns = this.#scopes.get(scope);
    const m = turns?.get(marker);
    if (!turns || !m) {
      throw new MockLlmError(
        'AMNESIA_LLM_NO_TURN',
        `no turn marked "${marker}" is in flight in scope "${scope}"; call beginMarkedTurn first.`,
      );
    }
    turns.delete(marker);
    this.#byTurn.delete(m.turn);
    if (turns.size === 0) this.#scopes.delete(scope);
    return m.records.sort((a, b) => a.seq - b.seq);
  }

  clear(scope: string): void {
    for (const m of this.#scopes.get(scope)?.values() ?? []) this.#byTurn.delete(m.turn);
    this.#scopes.delete(scope);
  }
}

/** What the request says for itself: its last user message (any API), or its embeddings input. */
function ownText(bodyText: string): string {
  const parsed = parseBody(bodyText);
  if (!parsed.json) return '';
  const messages = chatMessages(parsed.value);
  if (messages) return messages.findLast((m) => m.role === 'user')?.content ?? '';
  // A Responses API body: its input items' last user message.
  const input = field(parsed.value, 'input');
  if (Array.isArray(input) && input.some((item) => typeof item === 'object' && item !== null)) {
    const items = responsesInput(input, () => '', false);
    return items?.messages.findLast((m) => m.role === 'user')?.content ?? '';
  }
  return (embeddingInputs(parsed.value) ?? []).join('\n');
}
