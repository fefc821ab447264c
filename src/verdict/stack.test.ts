import { describe, expect, it } from 'vitest';
import { stackAdvice, stackOf } from './stack.ts';

describe('stackOf: the framework the app imports, whose store writes the history', () => {
  it('names LangGraph from a checkpointer package, with the import that shows it', () => {
    expect(stackOf(['pg', '@langchain/openai', '@langchain/langgraph-checkpoint-postgres'])).toEqual({
      name: 'LangGraph',
      imported: '@langchain/langgraph-checkpoint-postgres',
    });
  });

  it('names LlamaIndex and the AI SDK from their packages, and nothing from plain clients', () => {
    expect(stackOf(['@llamaindex/core/memory'])?.name).toBe('LlamaIndex');
    expect(stackOf(['ai', '@ai-sdk/openai'])).toEqual({ name: 'the Vercel AI SDK', imported: 'ai' });
    expect(stackOf(['pg', 'openai', 'redis'])).toBeUndefined();
    // `ai-foo` is not the AI SDK.
    expect(stackOf(['ai-foo'])).toBeUndefined();
  });
});

describe('stackAdvice: what to do in the stack’s own terms', () => {
  it('a lost update under LangGraph is one run per thread at a time, not "append"', () => {
    const advice = stackAdvice({ name: 'LangGraph', imported: '@langchain/langgraph' }, '9');
    expect(advice).toMatch(/one graph invocation per thread at a time/);
    expect(advice).toMatch(/cannot be made to append/);
  });

  it("a save in the AI SDK's onEnd is awaited in the route; rows the stack says nothing of get nothing", () => {
    const ai = { name: 'the Vercel AI SDK', imported: 'ai' };
    expect(stackAdvice(ai, '12')).toMatch(/await the save in the route before it answers/);
    expect(stackAdvice(ai, '3')).toBeUndefined();
    expect(stackAdvice(undefined, '9')).toBeUndefined();
  });
});
