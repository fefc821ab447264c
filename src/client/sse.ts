/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field; undefined means the default type, `message`. */
  event?: string;
  /** The `data:` lines of the event joined with `\n`. */
  data: string;
  /** The last event id seen so far in the stream (it carries over, as `MessageEvent.lastEventId` does). */
  id?: string;
}

/**
 * Parses a `text/event-stream` body as the HTML standard's "event stream interpretation" does
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * UTF-8 decoded across chunk boundaries, a leading BOM dropped, `\r\n`, `\n` and `\r` line ends,
 * `data:` lines joined with `\n`, `:` comments ignored, one optional space after the colon, and an
 * event dispatched on a blank line. `retry:` is ignored (nothing reconnects).
 *
 * As the standard says, an event not closed by a blank line when the stream ends is discarded, even
 * if its `data:` line was complete: a server that closes mid-event has not finished it.
 *
 * Stopping early (`break` in `for await`) cancels the body, which closes the connection.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  const parser = new SseParser();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The line-level state machine of the event stream, fed decoded text. */
class SseParser {
  #partial = '';
  /** The previous chunk ended with `\r`, so a `\n` starting this one belongs to that line end. */
  #afterCr = false;
  #event = '';
  #data: string[] = [];
  #lastId = '';

  *push(text: string): Generator<SseEvent> {
    let start = 0;
    if (this.#afterCr && text.startsWith('\n')) start = 1;
    this.#afterCr = false;
    for (let i = start; i < text.length; i++) {
      const char = text[i];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.#partial + text.slice(start, i);
      this.#partial = '';
      if (char === '\r') {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text[i + 1] === '\n') i++;
      }
      start = i + 1;
      const event = this.#line(line);
      if (event) yield event;
    }
    this.#partial += text.slice(start);
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return undefined;
    return {
      ...(event ? { event } : {}),
      data: data.join('\n'),
      ...(this.#lastId ? { id: this.#lastId } : {}),
    };
  }
}
