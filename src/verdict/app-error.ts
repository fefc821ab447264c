/** An error as the app printed it: `TypeError: chatHistory.add is not a function`. */
const ERROR_LINE = /(?:^|[\s\]>:])((?:[A-Z][\w$]*)?(?:Error|Exception)(?: \[[\w-]+\])?: \S.*)$/;

/** Mentions that point at the memory's type rather than at the app's logic. */
const TYPE_HINTS =
  /is not a function|is not iterable|cannot read propert|chatHistory|memory|ChatMessage|adapters?.*compatible/i;

export interface NamedAppError {
  /** The app's own words when its output holds an error line, else the first failure message. */
  text: string;
  /** The error points at the memory object's type (DESIGN row 5). */
  typeMismatch: boolean;
}

/**
 * Name what the app said went wrong, from the failure messages and the workers' output tails (in
 * any order): the last error line an app printed (`TypeError: …`) is its own account, better than
 * a generic `500 Internal Server Error`; without one, the first failure message. A `TypeError` or
 * a mention of the memory object makes it a likely type mismatch.
 */
export function nameAppError(texts: readonly string[]): NamedAppError | undefined {
  const lines = texts.flatMap((t) => t.split('\n')).map((l) => l.trim());
  const printed = lines
    // Stack frames, and amnesia's own `POST /chat answered 500 Internal Server Error: …`, are not the app's words.
    .filter((l) => !/^(?:\[\w+\]\s+)?at /.test(l) && !/ answered \d{3}\b/.test(l))
    .flatMap((l) => {
      const m = ERROR_LINE.exec(l);
      return m?.[1] ? [m[1]] : [];
    })
    .at(-1);
  const text = printed ?? lines.find((l) => l !== '');
  if (text === undefined) return undefined;
  return { text, typeMismatch: /^TypeError\b/.test(text) || TYPE_HINTS.test(text) };
}
