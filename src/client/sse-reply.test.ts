import { describe, expect, it } from 'vitest';
import type { SseEvent } from './sse.ts';
import { assembleSse } from './sse-reply.ts';

async function* stream(events: SseEvent[], state = { read: 0 }): AsyncGenerator<SseEvent> {
  for (const event of events) {
    state.read++;
    yield event;
  }
}

const data = (...items: (string | object)[]): SseEvent[] =>
  items.map((item) => ({ data: typeof item === 'string' ? item : JSON.stringify(item) }));

describe('assembleSse', () => {
  it('joins the text at the path until [DONE], and reads no further', async () => {
    const state = { read: 0 };
    const events = data({ delta: 'Hel' }, { delta: 'lo' }, '[DONE]', { delta: 'never' });
    expect(await assembleSse(stream(events, state), { path: '$.delta' })).toEqual({
      ok: true,
      text: 'Hello',
    });
    expect(state.read).toBe(3);
  });

  it('stops at a custom done', async () => {
    const events = data({ t: 'a' }, { t: 'b' }, 'END', { t: 'c' });
    expect(await assembleSse(stream(events), { path: '$.t', done: 'END' })).toEqual({ ok: true, text: 'ab' });
  });

  it('skips events without the text, as OpenAI chunk streams have', async () => {
    const events = data(
      { choices: [{ delta: { role: 'assistant', content: '' } }] },
      { choices: [{ delta: { content: 'Hi ' } }] },
      { choices: [{ delta: { content: null, tool_calls: [] } }] },
      { choices: [{ delta: { content: 'Ada' } }] },
      { choices: [{ delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { total_tokens: 3 } },
      '',
      '[DONE]',
    );
    expect(await assembleSse(stream(events), { path: '$.choices[0].delta.content' })).toEqual({
      ok: true,
      text: 'Hi Ada',
    });
  });

  it('stringifies text that is not a string', async () => {
    expect(await assembleSse(stream(data({ n: 4 }, { n: 2 }, '[DONE]')), { path: '$.n' })).toEqual({
      ok: true,
      text: '42',
    });
  });

  it('accepts an empty answer', async () => {
    expect(await assembleSse(stream(data('[DONE]')), { path: '$.delta' })).toEqual({ ok: true, text: '' });
  });

  it.each([
    [
      'data that is not JSON',
      data({ delta: 'a' }, 'hello', '[DONE]'),
      'event 2 is not JSON (reply: { sse: $.delta }): hello',
    ],
    [
      'a path no event has',
      data({ text: 'a' }, { text: 'b' }, '[DONE]'),
      '$.delta is missing in every event, e.g. {"text":"a"}',
    ],
    [
      'an error event',
      [{ data: '{"delta":"a"}' }, { event: 'error', data: '{"error":"quota"}' }],
      'event 2 is `event: error`: {"error":"quota"}',
    ],
    [
      'a stream that ends before [DONE]',
      data({ delta: 'a' }),
      'the event stream ended before `data: [DONE]` (reply: { sse: $.delta }), after 1 event',
    ],
  ])('is garbage for %s', async (_, events, problem) => {
    expect(await assembleSse(stream(events), { path: '$.delta' })).toEqual({ ok: false, problem });
  });

  it('throws for an unsupported path before reading', async () => {
    const state = { read: 0 };
    await expect(assembleSse(stream(data('[DONE]'), state), { path: '$..delta' })).rejects.toThrow(
      'invalid JSON path `$..delta`',
    );
    expect(state.read).toBe(0);
  });
});
