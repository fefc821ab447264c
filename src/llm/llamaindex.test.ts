import { OpenAI } from '@llamaindex/openai';
import { createMemory, SimpleChatEngine } from 'llamaindex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MockLlm, startMockLlm } from './index.ts';

let llm: MockLlm;
beforeAll(async () => {
  llm = await startMockLlm();
});
afterAll(() => llm.stop());

it('serves a LlamaIndex.TS SimpleChatEngine whose memory carries the first turn into the second', async () => {
  const engine = new SimpleChatEngine({
    llm: new OpenAI({ model: 'gpt-4o-mini', apiKey: 'x', baseURL: llm.baseUrl('li', 'r1w1'), maxRetries: 0 }),
    memory: createMemory(),
  });
  const first = 'My name is Ada and I am building the Analytical Engine.';
  llm.beginTurn('li', 'r1w1', { turnId: 't1', session: 'ada', label: 'ada#1', priorTurns: [] });
  const reply1 = await engine.chat({ message: first });
  llm.endTurn('li', 'r1w1');
  expect(reply1.message.content).toBe('ack ada#1; saw none');

  llm.beginTurn('li', 'r1w1', {
    turnId: 't2',
    session: 'ada',
    label: 'ada#2',
    priorTurns: [{ label: 'ada#1', text: first }],
  });
  const reply2 = await engine.chat({ message: 'What am I building?' });
  const [request] = llm.endTurn('li', 'r1w1');
  expect(request?.messages).toEqual([
    { role: 'user', content: first },
    { role: 'assistant', content: 'ack ada#1; saw none' },
    { role: 'user', content: 'What am I building?' },
  ]);
  expect(reply2.message.content).toBe('ack ada#2; saw ada#1');
});
