/** How much of a response body a `ChatResult` keeps as evidence. */
export const EVIDENCE_BYTES = 64 * 1024;

/** An answer went past `chat.max_reply`: reading stops there (a huge reply must not exhaust memory). */
export class ReplyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the answer went past ${limit} bytes`);
    this.limit = limit;
  }
}

/** Keeps the first bytes of a body as it is read, counts all of them, and stops at `max`. */
export class BodyRecorder {
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  #total = 0;
  readonly #limit: number;
  readonly #max: number;

  constructor(max = Number.POSITIVE_INFINITY, limit = EVIDENCE_BYTES) {
    this.#limit = limit;
    this.#max = max;
  }

  /** Bytes read so far. */
  get bytes(): number {
    return this.#total;
  }

  /** @throws ReplyTooLarge once more than `max` bytes were read. */
  record(chunk: Uint8Array): void {
    this.#total += chunk.byteLength;
    if (this.#total > this.#max) throw new ReplyTooLarge(this.#max);
    if (this.#kept >= this.#limit) return;
    const part = chunk.subarray(0, this.#limit - this.#kept);
    this.#chunks.push(part);
    this.#kept += part.byteLength;
  }

  /** The kept bytes as UTF-8; a character cut at the limit is dropped, not replaced. */
  text(): string {
    const decoder = new TextDecoder();
    const text = this.#chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('');
    return this.#total > this.#kept ? text : text + decoder.decode();
  }
}

/** The same body, each chunk recorded as it is read; cancelling the result cancels the body. */
export function recorded(
  body: ReadableStream<Uint8Array>,
  recorder: BodyRecorder,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      try {
        recorder.record(value);
      } catch (e) {
        await reader.cancel(e);
        throw e;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Reads a whole body as UTF-8, recording it. */
export async function readText(
  body: ReadableStream<Uint8Array> | null,
  recorder: BodyRecorder,
): Promise<string> {
  if (!body) return '';
  const decoder = new TextDecoder();
  let text = '';
  const reader = body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    try {
      recorder.record(value);
    } catch (e) {
      await reader.cancel(e);
      throw e;
    }
    text += decoder.decode(value, { stream: true });
  }
}
