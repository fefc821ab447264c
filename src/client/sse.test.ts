import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from './sse.ts';

const encoder = new TextEncoder();

/** A body that delivers exactly these chunks, and records whether it was cancelled. */
function body(chunks: (string | Uint8Array)[], options: { close?: boolean } = {}) {
  const state = { cancelled: false, pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[state.pulled++];
      if (chunk !== undefined) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      else if (options.close !== false) controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function events(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const event of readSse(body(chunks).stream)) all.push(event);
  return all;
}

describe('readSse', () => {
  it('dispatches an event per blank line', async () => {
    expect(await events(['data: one\n\ndata: two\n\n'])).toEqual([{ data: 'one' }, { data: 'two' }]);
  });

  it.each([
    ['\\n', '\n'],
    ['\\r\\n', '\r\n'],
    ['\\r', '\r'],
  ])('accepts %s line ends', async (_, eol) => {
    expect(await events([`data: a${eol}data: b${eol}${eol}data: c${eol}${eol}`])).toEqual([
      { data: 'a\nb' },
      { data: 'c' },
    ]);
  });

  it('treats \\r at the end of a chunk and \\n at the start of the next as one line end', async () => {
    expect(await events(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
  });

  it('decodes a UTF-8 character split across chunks', async () => {
    const bytes = encoder.encode('data: café ☕\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const cut2 = bytes.indexOf(0xe2) + 2;
    expect(await events([bytes.slice(0, cut), bytes.slice(cut, cut2), bytes.slice(cut2)])).toEqual([
      { data: 'café ☕' },
    ]);
  });

  it('joins data lines with \\n and strips one space after the colon only', async () => {
    expect(await events(['data:x\ndata:  y\ndata\ndata:\n\n'])).toEqual([{ data: 'x\n y\n\n' }]);
  });

  it('ignores comments, unknown fields, retry and blank lines without data', async () => {
    expect(await events([': keep-alive\n\nretry: 10\nfoo: bar\n: note\ndata: x\n\n\n\n'])).toEqual([
      { data: 'x' },
    ]);
  });

  it('reports the event type and the last event id, which carries over', async () => {
    expect(
      await events(['event: delta\nid: 7\ndata: a\n\ndata: b\n\nid: 8\0\ndata: c\n\nid\ndata: d\n\n']),
    ).toEqual([
      { event: 'delta', id: '7', data: 'a' },
      { id: '7', data: 'b' },
      { id: '7', data: 'c' },
      { data: 'd' },
    ]);
  });

  it('drops a leading byte order mark', async () => {
    expect(await events(['\uFEFFdata: x\n\n'])).toEqual([{ data: 'x' }]);
  });

  it('discards an event the stream ends in, as the standard says, even after a complete data line', async () => {
    expect(await events(['data: done\n\ndata: cut off\n'])).toEqual([{ data: 'done' }]);
    expect(await events(['data: cut off'])).toEqual([]);
  });

  it('cancels the body when the reader stops early', async () => {
    const { stream, state } = body(['data: a\n\n', 'data: b\n\n'], { close: false });
    for await (const event of readSse(stream)) {
      expect(event.data).toBe('a');
      break;
    }
    expect(state.cancelled).toBe(true);
  });
});
