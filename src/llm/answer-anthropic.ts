import { type DefaultAnswer, generate, type LlmRequestFacts } from './answer-common.ts';
import { anthropicError, anthropicInput, anthropicMessage, anthropicStream } from './anthropic-api.ts';
import { bodyStart, field, parseBody } from './request-body.ts';

/** `POST /v1/messages`, the Anthropic Messages API (what `ANTHROPIC_BASE_URL` + `/v1/messages` reaches). */
export function answerAnthropic(facts: LlmRequestFacts, label: string): DefaultAnswer {
  const parsed = parseBody(facts.bodyText);
  if (!parsed.json)
    return {
      response: anthropicError(
        400,
        `amnesia mock LLM: the body of ${label} is not valid JSON (${parsed.error}; body starts: ${bodyStart(facts.bodyText)}).`,
      ),
    };
  const input = anthropicInput(parsed.value);
  if (input === null)
    return {
      response: anthropicError(400, `amnesia mock LLM: ${label} needs a "messages" array in its body.`),
    };
  const { generation, reply, toolCalls } = generate(
    facts.turn,
    input.messages,
    input.toolResults.map((result) => result.id),
  );
  const requested = field(parsed.value, 'model');
  const answer = {
    id: `msg_amnesia${facts.seq}`,
    model: typeof requested === 'string' ? requested : 'claude-sonnet-4-5',
    generation,
    inputText: input.messages.map((message) => message.content).join(' '),
  };
  return {
    response: field(parsed.value, 'stream') === true ? anthropicStream(answer) : anthropicMessage(answer),
    outcome: {
      reply,
      messages: input.messages,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(input.toolResults.length > 0 ? { toolResults: input.toolResults } : {}),
    },
  };
}
