// The agent of the OpenAI Agents SDK apps, as its quickstart and sessions guide build it
// (https://openai.github.io/openai-agents-js/guides/quickstart/,
// https://openai.github.io/openai-agents-js/guides/sessions/): `new Agent({ name, instructions })`
// and `run(agent, input, { session })`. The SDK calls the Responses API (its default) with an OpenAI client that reads OPENAI_BASE_URL; tracing
// (which exports to OpenAI's servers) is turned off.
import { Agent, run, setTracingDisabled } from '@openai/agents';
import { model, systemPrompt } from './env.js';

setTracingDisabled(true);

const agent = new Agent({ name: 'Assistant', instructions: systemPrompt, model });

/** One turn of `session`'s conversation. */
export async function ask(session, message) {
  const result = await run(agent, message, { session });
  return String(result.finalOutput ?? '');
}
