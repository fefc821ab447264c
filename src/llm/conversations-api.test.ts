import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

const alice = (n: number, prior: string[] = []): TurnScope => ({
  turnId: `t${n}`,
  session: 'alice',
  label: `alice#${n}`,
  priorTurns: prior.map((text, i) => ({ label: `alice#${i + 1}`, text })),
});

describe('the Conversations API, with the official openai SDK', () => {
  let llm: MockLlm;
  let client: OpenAI;

  beforeAll(async () => {
    llm = await startMockLlm();
    client = new OpenAI({ apiKey: 'x', baseURL: llm.baseUrl('s1', 'r1w1'), maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it('keeps a conversation: the model is given its items, then the new input; both are appended', async () => {
    llm.beginTurn('s1', 'r1w1', alice(1));
    const conversation = await client.conversations.create({
      items: [{ type: 'message', role: 'system', content: 'Be brief.' }],
    });
    const first = await client.responses.create({
      model: 'gpt-4o-mini',
      conversation: conversation.id,
      input: 'My name is Ada.',
    });
    llm.endTurn('s1', 'r1w1');
    expect(first.conversation?.id).toBe(conversation.id);
    llm.beginTurn('s1', 'r1w1', alice(2, ['My name is Ada.']));
    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      conversation: { id: conversation.id },
      input: 'What is my name?',
    });
    expect(second.output_text).toBe('ack alice#2; saw alice#1');
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'ack alice#1; saw none' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(record?.chain).toEqual({ id: conversation.id, session: 'alice', label: 'alice#1' });
    const items = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 2 }))
      items.push(item);
    expect(items.map((item) => (item.type === 'message' ? item.role : item.type))).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect((await client.conversations.retrieve(conversation.id)).id).toBe(conversation.id);
  });

  it('serves the calls of the Agents SDK OpenAIConversationsSession: create, add items, list both ways, delete', async () => {
    const { id } = await client.conversations.create({ items: [] });
    await client.conversations.items.create(id, {
      items: [
        { type: 'message', role: 'user', content: 'My name is Ada.' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi Ada.' }] } as never,
        { type: 'function_call', call_id: 'call_1', name: 'save', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'saved' },
      ],
    });
    const desc = await client.conversations.items.list(id, { limit: 1, order: 'desc' });
    expect(desc.data).toMatchObject([{ type: 'function_call_output', call_id: 'call_1', output: 'saved' }]);
    const latest = desc.data[0];
    await client.conversations.items.delete(latest?.id ?? '', { conversation_id: id });
    const asc = [];
    for await (const item of client.conversations.items.list(id, { order: 'asc' })) asc.push(item);
    expect(asc).toMatchObject([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'My name is Ada.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi Ada.' }] },
      { type: 'function_call', call_id: 'call_1', name: 'save' },
    ]);
    // What the model is given from it now: the deleted tool result is gone.
    await client.responses.create({ model: 'gpt-4o-mini', conversation: id, input: 'And?' });
    expect(
      llm
        .requests({ scope: 's1' })
        .at(-1)
        ?.messages.map((m) => m.content),
    ).toEqual(['My name is Ada.', 'Hi Ada.', 'And?']);
    await client.conversations.delete(id);
    await expect(client.conversations.retrieve(id)).rejects.toMatchObject({ status: 404 });
  });

  it('records the conversation routes as provider state, and answers an unknown conversation with 404', async () => {
    await expect(
      client.responses.create({ model: 'gpt-4o-mini', conversation: 'conv_lost', input: 'Hi' }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(client.conversations.items.list('conv_lost')).rejects.toMatchObject({ status: 404 });
    expect(llm.requests({ scope: 's1' }).at(-1)).toMatchObject({
      kind: 'state',
      path: '/conversations/conv_lost/items',
    });
  });
});
