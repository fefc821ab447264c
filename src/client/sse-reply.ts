import { getPath, parsePath } from '../util/json-path.ts';
import { excerpt } from '../util/text.ts';
import type { SseEvent } from './sse.ts';

export type SseAssembly =
  | { ok: true; text: string }
  /** `problem` completes "POST /chat answered 200 but …". */
  | { ok: false; problem: string };

/**
 * Joins the text at JSON `path` of each event until one whose data is `done`, then stops reading
 * (the server may keep the stream open).
 *
 * Events whose JSON lacks the path, or holds `null` there, are skipped: streams commonly carry
 * events without text (OpenAI's role-only first chunk, its `finish_reason` and usage chunks,
 * Anthropic's `message_start` and `ping`). The reply is garbage when an event's data is not JSON,
 * when an `event: error` arrives, when events arrived but none had the path (a wrong path), or when
 * the stream ends before `done` (the answer was cut off). Empty data is skipped.
 *
 * @throws Error when `path` is not a supported JSON path (a config mistake, not the app's).
 */
export async function assembleSse(
  events: AsyncIterable<SseEvent>,
  options: { path: string; done?: string },
): Promise<SseAssembly> {
  const done = options.done ?? '[DONE]';
  const segments = parsePath(options.path);
  const reply = `(reply: { sse: ${options.path} })`;
  let text = '';
  let count = 0;
  let withPath = 0;
  let firstWithout: string | undefined;
  for await (const event of events) {
    count++;
    if (event.data === done) {
      if (withPath === 0 && firstWithout !== undefined)
        return {
          ok: false,
          problem: `${options.path} is missing in every event, e.g. ${excerpt(firstWithout)}`,
        };
      return { ok: true, text };
    }
    if (event.event === 'error')
      return { ok: false, problem: `event ${count} is \`event: error\`: ${excerpt(event.data)}` };
    if (event.data === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      return { ok: false, problem: `event ${count} is not JSON ${reply}: ${excerpt(event.data)}` };
    }
    const found = getPath(json, segments);
    if (!found.found || found.value === null) {
      firstWithout ??= event.data;
      continue;
    }
    withPath++;
    text += typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
  }
  return {
    ok: false,
    problem: `the event stream ended before \`data: ${done}\` ${reply}, after ${count} event${count === 1 ? '' : 's'}`,
  };
}
