// The agent of the Mastra apps, as the memory docs build it (https://mastra.ai/docs/memory/message-history,
// shipped in @mastra/memory's dist/docs): a `Mastra` instance with a storage adapter and an Agent
// with `new Memory()`; each chat is a thread (`memory: { thread, resource }`), and Mastra loads the
// thread's last messages from storage on every call and saves the turn's.
// The model is the docs' model string ('openai/gpt-4o-mini': Mastra's model router, which calls the
// Responses API with OPENAI_BASE_URL and OPENAI_API_KEY). Telemetry off: the configs set
// MASTRA_TELEMETRY_DISABLED=1 (an assignment here would run after the imports).

import { Mastra } from '@mastra/core';
import { Agent } from '@mastra/core/agent';
import { Memory } from '@mastra/memory';
import { model, systemPrompt } from './env.js';

/** A chat turn function on a Mastra agent whose memory is kept in `storage`. */
export function mastraChat(storage) {
  const mastra = new Mastra({
    storage,
    agents: {
      chat: new Agent({
        id: 'chat',
        name: 'chat',
        instructions: systemPrompt,
        model: `openai/${model}`,
        memory: new Memory(),
      }),
    },
  });
  const agent = mastra.getAgent('chat');
  return async ({ sessionId, message }) => {
    const result = await agent.generate(message, {
      memory: { thread: sessionId, resource: sessionId },
      maxRetries: 0,
    });
    return result.text;
  };
}
