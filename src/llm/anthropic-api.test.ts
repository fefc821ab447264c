import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

const turn: TurnScope = {
  turnId: 't2',
  session: 'alice',
  label: 'alice#2',
  priorTurns: [{ label: 'alice#1', text: 'My name is Ada.' }],
};

/** The base URL an Anthropic SDK is given: the worker's, without `/v1` (the SDK adds `/v1/messages`). */
const anthropicBase = (llm: MockLlm) => llm.baseUrl('s1', 'r1w1').replace(/\/v1$/, '');

describe('the Anthropic Messages API, with the official @anthropic-ai/sdk', () => {
  let llm: MockLlm;
  let client: Anthropic;

  beforeAll(async () => {
    llm = await startMockLlm();
    client = new Anthropic({ apiKey: 'x', baseURL: anthropicBase(llm), maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it('answers a message with system blocks, and records system and messages as the context', async () => {
    llm.beginTurn('s1', 'r1w1', turn);
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: [{ type: 'text', text: 'ack alice#1; saw none' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ack alice#2; saw alice#1' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([
      {
        kind: 'chat',
        path: '/messages',
        turnId: 't2',
        reply: 'ack alice#2; saw alice#1',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'My name is Ada.' },
          { role: 'assistant', content: 'ack alice#1; saw none' },
          { role: 'user', content: 'What is my name?' },
        ],
      },
    ]);
  });

  it('streams message_start, content_block_start/delta/stop, message_delta, message_stop', async () => {
    llm.beginTurn('s1', 'r1w1', turn);
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'What is my name?' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'ack alice#2; saw none' }]);
    expect(types.filter((type, i) => type !== types[i - 1])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([{ stream: true, reply: 'ack alice#2; saw none' }]);
  });

  it('reads tool_result blocks as tool messages: what reached the model through a tool', async () => {
    llm.beginTurn('s1', 'r1w1', turn);
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'What is my name?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'recall', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [{ type: 'text', text: 'My name is Ada.' }],
            },
          ],
        },
      ],
    });
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record?.messages).toEqual([
      { role: 'user', content: 'What is my name?' },
      { role: 'tool', content: 'My name is Ada.' },
    ]);
    expect(record?.toolResults).toEqual([{ id: 'toolu_1', output: 'My name is Ada.' }]);
  });

  it('answers a bad body with an Anthropic-style 400 that is not retried', async () => {
    const retrying = new Anthropic({ apiKey: 'x', baseURL: anthropicBase(llm), maxRetries: 3 });
    const before = llm.requests({ scope: 's1' }).length;
    await expect(
      retrying.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1, messages: 'nope' as never }),
    ).rejects.toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error' } },
    });
    expect(llm.requests({ scope: 's1' }).length).toBe(before + 1);
  });
});
