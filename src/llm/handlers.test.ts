import { getResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { defaultLlmHandlers } from './handlers.ts';

const chatRequest = (content: string) =>
  new Request('http://llm.test/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
  });

describe('defaultLlmHandlers', () => {
  it('work without the mock server, e.g. in setupServer, with the turn the caller names', async () => {
    const handlers = defaultLlmHandlers({
      turn: () => ({ turnId: 't1', session: 'bob', label: 'bob#1', priorTurns: [] }),
    });
    const response = await getResponse(handlers, chatRequest('hi'));
    expect(await response?.json()).toMatchObject({
      choices: [{ message: { content: 'ack bob#1; saw none' } }],
    });
  });

  it('answer an unknown route with 400 and x-should-retry: false', async () => {
    const response = await getResponse(defaultLlmHandlers(), new Request('http://llm.test/v1/audio/speech'));
    expect(response?.status).toBe(400);
    expect(response?.headers.get('x-should-retry')).toBe('false');
  });
});
