// The agent of the OpenAI Agents SDK apps, as its quickstart and sessions guide build it
// (https://openai.github.io/openai-agents-js/guides/quickstart/,
// https://openai.github.io/openai-agents-js/guides/sessions/): `new Agent({ name, instructions })`
// and `run(agent, input, { session })`. The SDK's OpenAI client reads OPENAI_BASE_URL; tracing
// (which exports to OpenAI's servers) is turned off.
import { Agent, run, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import { model, systemPrompt } from './env.js';

setTracingDisabled(true);
// Until the mock LLM serves the Responses API (the SDK's default), Chat Completions:
setOpenAIAPI('chat_completions');

const agent = new Agent({ name: 'Assistant', instructions: systemPrompt, model });

/** One turn of `session`'s conversation. */
export async function ask(session, message) {
  const result = await run(agent, message, { session });
  return String(result.finalOutput ?? '');
}
