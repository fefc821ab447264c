import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

/** A turn whose script saves a fact through a tool, then says "Saved.". */
const scripted = (turnId: string): TurnScope => ({
  turnId,
  session: 'alice',
  label: 'alice#1',
  priorTurns: [],
  script: [{ toolCall: { name: 'save_memory', arguments: { fact: 'dog: Rex' } } }, { text: 'Saved.' }],
});
const saveTool = {
  name: 'save_memory',
  parameters: { type: 'object', properties: { fact: { type: 'string' } } },
};

describe('scripted tool calls, served on the API the app speaks', () => {
  let llm: MockLlm;
  let openai: OpenAI;

  beforeAll(async () => {
    llm = await startMockLlm();
    openai = new OpenAI({ apiKey: 'x', baseURL: llm.baseUrl('s1', 'r1w1'), maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it('Chat Completions: tool_calls first, the text once the tool message came back', async () => {
    llm.beginTurn('s1', 'r1w1', scripted('a/t1'));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'My dog is Rex.' }];
    const tools = [{ type: 'function' as const, function: saveTool }];
    const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({
      id: 'call_amnesia_a_t1_1',
      type: 'function',
      function: { name: 'save_memory', arguments: '{"fact":"dog: Rex"}' },
    });
    messages.push(first.choices[0]?.message as OpenAI.ChatCompletionMessageParam, {
      role: 'tool',
      tool_call_id: call?.id ?? '',
      content: 'saved: dog: Rex',
    });
    const second = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools,
      stream: true,
    });
    let text = '';
    for await (const chunk of second) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Saved.');
    const records = llm.endTurn('s1', 'r1w1');
    expect(records.map((r) => [r.toolCalls, r.toolResults])).toEqual([
      [[{ id: 'call_amnesia_a_t1_1', name: 'save_memory', arguments: '{"fact":"dog: Rex"}' }], undefined],
      [undefined, [{ id: 'call_amnesia_a_t1_1', output: 'saved: dog: Rex' }]],
    ]);
    expect(records[1]?.messages.at(-1)).toEqual({ role: 'tool', content: 'saved: dog: Rex' });
  });

  it('Chat Completions streamed: the tool call arrives in deltas the SDK assembles', async () => {
    llm.beginTurn('s1', 'r1w1', scripted('a/t2'));
    const stream = openai.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'My dog is Rex.' }],
      tools: [{ type: 'function', function: saveTool }],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_amnesia_a_t2_1',
      function: { name: 'save_memory', arguments: '{"fact":"dog: Rex"}' },
    });
    llm.endTurn('s1', 'r1w1');
  });

  it('Responses API: a function_call item, then the text once function_call_output came back (chained)', async () => {
    llm.beginTurn('s1', 'r1w1', scripted('a/t3'));
    const tools = [{ type: 'function' as const, strict: false, ...saveTool }];
    for (const stream of [false, true]) {
      const first = await openai.responses.create({ model: 'gpt-4o-mini', input: 'My dog is Rex.', tools });
      expect(first.output).toMatchObject([
        {
          type: 'function_call',
          call_id: 'call_amnesia_a_t3_1',
          name: 'save_memory',
          arguments: '{"fact":"dog: Rex"}',
        },
      ]);
      const request = {
        model: 'gpt-4o-mini',
        previous_response_id: first.id,
        tools,
        input: [{ type: 'function_call_output' as const, call_id: 'call_amnesia_a_t3_1', output: 'saved' }],
      };
      const text = stream
        ? (await openai.responses.stream(request).finalResponse()).output_text
        : (await openai.responses.create(request)).output_text;
      expect(text).toBe('Saved.');
    }
    expect(llm.endTurn('s1', 'r1w1').map((r) => r.reply)).toEqual(['', 'Saved.', '', 'Saved.']);
  });

  it('Anthropic Messages: a tool_use block, then the text once tool_result came back', async () => {
    const anthropic = new Anthropic({
      apiKey: 'x',
      baseURL: llm.baseUrl('s1', 'r1w1').replace(/\/v1$/, ''),
      maxRetries: 0,
    });
    llm.beginTurn('s1', 'r1w1', scripted('a/t4'));
    const tools = [{ name: 'save_memory', input_schema: { type: 'object' as const, properties: {} } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'My dog is Rex.' }];
    const first = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toMatchObject([
      { type: 'tool_use', id: 'call_amnesia_a_t4_1', name: 'save_memory', input: { fact: 'dog: Rex' } },
    ]);
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'call_amnesia_a_t4_1', content: 'saved' }],
      },
    );
    const second = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages,
    });
    expect(second.content).toMatchObject([{ type: 'text', text: 'Saved.' }]);
    llm.endTurn('s1', 'r1w1');
  });

  it('answers the default reply once the script is done and has no text', async () => {
    llm.beginTurn('s1', 'r1w1', {
      ...scripted('a/t5'),
      script: [{ toolCall: { name: 'save_memory' } }],
    });
    const first = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(first.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { arguments: '{}' } });
    const second = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Hi' },
        first.choices[0]?.message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'call_amnesia_a_t5_1', content: 'ok' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('ack alice#1; saw none');
    llm.endTurn('s1', 'r1w1');
  });
});
