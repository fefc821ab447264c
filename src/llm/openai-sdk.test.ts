import { createRequire } from 'node:module';
import type { OpenAI as LlamaIndexOpenAI } from '@llamaindex/openai';
import { http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

/** The official SDK's client, typed through the copy `@llamaindex/openai` exposes. */
type OpenAIClient = Awaited<LlamaIndexOpenAI['session']> & {
  models: { list(): Promise<{ data: { id: string }[] }> };
};
type OpenAIConstructor = new (options: {
  apiKey: string;
  baseURL: string;
  maxRetries: number;
}) => OpenAIClient;

/**
 * `openai` is installed only as a dependency of `@llamaindex/openai` (not hoisted), so it is loaded from
 * there: the very copy LlamaIndex apps use.
 */
function loadOpenAI(): OpenAIConstructor {
  const fromLlamaIndex = createRequire(import.meta.resolve('@llamaindex/openai'));
  return (fromLlamaIndex('openai') as { OpenAI: OpenAIConstructor }).OpenAI;
}

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe('with the official openai SDK', () => {
  let llm: MockLlm;
  let client: OpenAIClient;
  const turn: TurnScope = {
    turnId: 't2',
    session: 'alice',
    label: 'alice#2',
    priorTurns: [{ label: 'alice#1', text: 'My name is Ada.' }],
  };

  beforeAll(async () => {
    llm = await startMockLlm();
    const OpenAI = loadOpenAI();
    client = new OpenAI({ apiKey: 'x', baseURL: llm.baseUrl('s1', 'r1w1'), maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it('gets a non-streaming chat reply', async () => {
    llm.beginTurn('s1', 'r1w1', turn);
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'ack alice#1; saw none' },
        { role: 'user', content: 'What is my name?' },
      ],
    });
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'ack alice#2; saw alice#1',
    });
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([{ turnId: 't2', kind: 'chat', stream: false }]);
  });

  it('streams a chat reply', async () => {
    llm.beginTurn('s1', 'r1w1', { ...turn, turnId: 't3' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is my name?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage ?? undefined;
    }
    expect(text).toBe('ack alice#2; saw none');
    expect(usage).toMatchObject({ completion_tokens: 4 });
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([{ stream: true, reply: text }]);
  });

  it('gets non-zero embeddings on its default base64 path: equal for equal texts, close for similar ones', async () => {
    const response = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [
        'My dog is called Rex.',
        'My dog is called Rex.',
        "What is my dog's name?",
        'Invoices are due Friday.',
      ],
    });
    const [fact, same, question, other] = response.data.map((item) => item.embedding);
    expect(fact?.some((value) => value !== 0)).toBe(true);
    expect(fact).toEqual(same);
    expect(cosine(fact ?? [], question ?? [])).toBeGreaterThan(cosine(fact ?? [], other ?? []));
    expect(llm.requests({ scope: 's1' }).at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
  });

  it('lists the models', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('fails at once on an unmatched route (no retries)', async () => {
    const OpenAI = loadOpenAI();
    const retrying = new OpenAI({
      apiKey: 'x',
      baseURL: `${llm.baseUrl('s1', 'r1w1')}/nowhere`,
      maxRetries: 5,
    });
    await expect(retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toThrow(
      /400 amnesia mock LLM: no handler for POST/,
    );
    expect(llm.requests({ scope: 's1' }).filter((record) => record.kind === 'unmatched')).toHaveLength(1);
  });

  it('does not retry a 500 from a handler that throws (x-should-retry: false)', async () => {
    await using failing = await startMockLlm({
      handlers: [
        http.post('*/chat/completions', () => {
          throw new Error('handler bug');
        }),
      ],
    });
    const OpenAI = loadOpenAI();
    const retrying = new OpenAI({ apiKey: 'x', baseURL: failing.baseUrl('s1', 'r1w1'), maxRetries: 3 });
    await expect(retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toThrow(
      /500 amnesia mock LLM: a handler threw .*handler bug/,
    );
    expect(failing.requests()).toHaveLength(1);
  });
});
