import type { LlmMessage, LlmToolResult } from './types.ts';

/** A request body as text and, when it is JSON, parsed. */
export type ParsedBody = { json: true; value: unknown } | { json: false; text: string; error: string };

export function parseBody(text: string): ParsedBody {
  try {
    return { json: true, value: JSON.parse(text) };
  } catch (error) {
    return { json: false, text, error: error instanceof Error ? error.message : String(error) };
  }
}

/** What to keep as `body` in a record: the parsed JSON, the raw text, or `null` for no body. */
export function bodyForRecord(text: string, parsed: ParsedBody): unknown {
  if (text === '') return null;
  return parsed.json ? parsed.value : text;
}

/** The start of a body for an error message: whitespace collapsed, cut at `max` characters. */
export function bodyStart(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text of an OpenAI message content: a string, or content parts whose text is joined by `\n`. */
export function flattenContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (isRecord(part) && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('\n');
}

/** The `messages` of a chat completion body, flattened; `null` when the body has no messages array. */
export function chatMessages(body: unknown): LlmMessage[] | null {
  if (!isRecord(body) || !Array.isArray(body.messages)) return null;
  return body.messages.map((message: unknown) =>
    isRecord(message)
      ? {
          role: typeof message.role === 'string' ? message.role : '',
          content: flattenContent(message.content),
        }
      : { role: '', content: '' },
  );
}

/**
 * The `input` of an embeddings body as texts; `null` when it has none.
 * Token-id arrays (allowed by the API) become their ids joined by spaces.
 */
export function embeddingInputs(body: unknown): string[] | null {
  if (!isRecord(body)) return null;
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return null;
  if (input.every((item) => typeof item === 'number')) return [input.join(' ')];
  return input.map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (Array.isArray(item)) return item.join(' ');
    return String(item);
  });
}

/** Whether a body asks for a streamed answer (`stream: true`). */
export function wantsStream(body: unknown): boolean {
  return isRecord(body) && body.stream === true;
}

export function field(body: unknown, key: string): unknown {
  return isRecord(body) ? body[key] : undefined;
}

/** The tool results of a chat completion body: its `tool` messages, by `tool_call_id`. */
export function chatToolResults(body: unknown): LlmToolResult[] {
  if (!isRecord(body) || !Array.isArray(body.messages)) return [];
  return body.messages
    .filter((message: unknown) => isRecord(message) && message.role === 'tool')
    .map((message: Record<string, unknown>) => ({
      id: typeof message.tool_call_id === 'string' ? message.tool_call_id : '',
      output: flattenContent(message.content),
    }));
}
