import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

const alice1: TurnScope = { turnId: 't1', session: 'alice', label: 'alice#1', priorTurns: [] };
const alice2: TurnScope = {
  turnId: 't2',
  session: 'alice',
  label: 'alice#2',
  priorTurns: [{ label: 'alice#1', text: 'My name is Ada.' }],
};

describe('the Responses API, with the official openai SDK', () => {
  let llm: MockLlm;
  let client: OpenAI;

  beforeAll(async () => {
    llm = await startMockLlm();
    client = new OpenAI({ apiKey: 'x', baseURL: llm.baseUrl('s1', 'r1w1'), maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it('answers a text input with instructions, and records the context as messages', async () => {
    llm.beginTurn('s1', 'r1w1', alice1);
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'You are terse.',
      input: 'My name is Ada.',
    });
    expect(response.output_text).toBe('ack alice#1; saw none');
    expect(response.status).toBe('completed');
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([
      {
        kind: 'chat',
        path: '/responses',
        stream: false,
        reply: 'ack alice#1; saw none',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'My name is Ada.' },
        ],
      },
    ]);
  });

  it('resolves previous_response_id: the model saw the chain, not only the new input', async () => {
    llm.beginTurn('s1', 'r1w1', alice1);
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'My name is Ada.' });
    llm.endTurn('s1', 'r1w1');
    llm.beginTurn('s1', 'r1w1', alice2);
    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Only this request has me.',
      previous_response_id: first.id,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is my name?' }] }],
    });
    expect(second.output_text).toBe('ack alice#2; saw alice#1');
    expect(second.previous_response_id).toBe(first.id);
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record?.messages).toEqual([
      { role: 'system', content: 'Only this request has me.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'ack alice#1; saw none' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(record?.chain).toEqual({ id: first.id, session: 'alice', label: 'alice#1' });
    // A third link: the chain is resolved recursively, and instructions are not carried along it.
    llm.beginTurn('s1', 'r1w1', { ...alice2, turnId: 't3', label: 'alice#3' });
    await client.responses.create({ model: 'gpt-4o-mini', previous_response_id: second.id, input: 'And?' });
    const [third] = llm.endTurn('s1', 'r1w1');
    expect(third?.messages.map((m) => m.content)).toEqual([
      'My name is Ada.',
      'ack alice#1; saw none',
      'What is my name?',
      'ack alice#2; saw alice#1',
      'And?',
    ]);
    expect(third?.chain).toMatchObject({ session: 'alice', label: 'alice#1' });
  });

  it('streams the Responses event sequence the SDK parses', async () => {
    llm.beginTurn('s1', 'r1w1', alice1);
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Hello there',
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let completedId = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completedId = event.response.id;
    }
    expect(text).toBe('ack alice#1; saw none');
    expect(types[0]).toBe('response.created');
    expect(types).toEqual(
      expect.arrayContaining([
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
      ]),
    );
    expect(types.at(-1)).toBe('response.completed');
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([{ stream: true, reply: text }]);
    // The streamed response was stored: it can be chained and read back.
    expect((await client.responses.retrieve(completedId)).output_text).toBe(text);
  });

  it('is what the SDK stream helper assembles (finalResponse)', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Hi' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('ack (no turn)');
  });

  it('reads function_call_output items as tool messages, the context that reached the model', async () => {
    llm.beginTurn('s1', 'r1w1', alice2);
    await client.responses.create({
      model: 'gpt-4o-mini',
      tools: [
        { type: 'function', name: 'recall', parameters: { type: 'object', properties: {} }, strict: false },
      ],
      input: [
        { role: 'user', content: 'What is my name?' },
        { type: 'function_call', call_id: 'call_1', name: 'recall', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'memory: My name is Ada.' },
      ],
    });
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record?.messages).toEqual([
      { role: 'user', content: 'What is my name?' },
      { role: 'tool', content: 'memory: My name is Ada.' },
    ]);
    expect(record?.toolResults).toEqual([{ id: 'call_1', output: 'memory: My name is Ada.' }]);
    expect(record?.reply).toBe('ack alice#2; saw alice#1');
  });

  it('answers an unknown previous_response_id with 400 previous_response_not_found, not retried', async () => {
    const retrying = new OpenAI({ apiKey: 'x', baseURL: llm.baseUrl('s1', 'r1w1'), maxRetries: 3 });
    const before = llm.requests({ scope: 's1' }).length;
    const error = await retrying.responses
      .create({ model: 'gpt-4o-mini', previous_response_id: 'resp_lost', input: 'Hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'previous_response_not_found',
      param: 'previous_response_id',
    });
    expect(llm.requests({ scope: 's1' }).length).toBe(before + 1);
  });

  it('does not keep a response made with store: false', async () => {
    const unstored = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', store: false });
    await expect(
      client.responses.create({ model: 'gpt-4o-mini', previous_response_id: unstored.id, input: 'Again' }),
    ).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it('reads back and deletes a stored response', async () => {
    const stored = await client.responses.create({ model: 'gpt-4o-mini', input: 'Keep me' });
    expect((await client.responses.retrieve(stored.id)).id).toBe(stored.id);
    await client.responses.delete(stored.id);
    await expect(client.responses.retrieve(stored.id)).rejects.toMatchObject({ status: 404 });
  });

  it("records a chain that starts at another session's response: the leak names that session", async () => {
    llm.beginTurn('s1', 'r1w1', { turnId: 'b1', session: 'bob', label: 'bob#1', priorTurns: [] });
    const bobs = await client.responses.create({ model: 'gpt-4o-mini', input: 'My PIN is 4321.' });
    llm.endTurn('s1', 'r1w1');
    llm.beginTurn('s1', 'r1w1', alice2);
    await client.responses.create({ model: 'gpt-4o-mini', previous_response_id: bobs.id, input: 'Hi' });
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record?.chain).toEqual({ id: bobs.id, session: 'bob', label: 'bob#1' });
    expect(record?.messages.map((m) => m.content)).toContain('My PIN is 4321.');
  });

  it("forgets a finished scenario's responses with its records", async () => {
    const stored = await client.responses.create({ model: 'gpt-4o-mini', input: 'Keep me' });
    llm.clear('s1');
    await expect(client.responses.retrieve(stored.id)).rejects.toMatchObject({ status: 404 });
  });

  it('resolves an item_reference to a stored output message (the AI SDK sends earlier answers so)', async () => {
    llm.beginTurn('s1', 'r1w1', alice1);
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'My name is Ada.' });
    llm.endTurn('s1', 'r1w1');
    llm.beginTurn('s1', 'r1w1', alice2);
    await client.responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'My name is Ada.' },
        { type: 'item_reference', id: first.output[0]?.id ?? '' },
        { role: 'user', content: 'What is my name?' },
      ],
    });
    expect(llm.endTurn('s1', 'r1w1')[0]?.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'ack alice#1; saw none' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });
});
