import type { ResolvedConfig } from '../config/types.ts';
import { AmnesiaError } from '../errors.ts';
import { renderTemplate, renderTemplateJson } from '../util/template.ts';

/** The HTTP request of one user turn, ready for `fetch`. */
export interface ChatRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  /** `POST /conversations/main-7f3a/messages`: the method and the path as sent, for messages. */
  label: string;
}

/**
 * Builds the request of one turn from `chat:` in the config. `{{session}}` and `{{message}}` are
 * rendered in one pass inside already-parsed values (JSON strings, header values, the raw body), so
 * a message holding quotes, newlines or a literal `{{session}}` arrives as written: `JSON.stringify`
 * escapes it, and text inserted by a placeholder is never rendered again. In the path they are
 * percent-encoded. `GET` sends no body.
 *
 * @throws Error when a header is not valid HTTP (e.g. a `{{message}}` with a line break in
 *   `chat.headers`): a config mistake, not the app's.
 */
export function buildChatRequest(options: {
  baseUrl: string;
  spec: ResolvedConfig['chat'];
  session: string;
  message: string;
  cookie: string | undefined;
}): ChatRequest {
  const { spec, session, message } = options;
  const vars = { session, message };
  const method = spec.method.toUpperCase();
  const path = renderTemplate(spec.path, {
    session: encodeURIComponent(session),
    message: encodeURIComponent(message),
  });
  const headers = new Headers();
  let body: string | undefined;
  if (method !== 'GET') {
    if (spec.body !== undefined) {
      body = renderTemplate(spec.body, vars);
      headers.set('content-type', 'text/plain; charset=utf-8');
    } else if (spec.json !== undefined) {
      body = JSON.stringify(renderTemplateJson(spec.json, vars));
      headers.set('content-type', 'application/json');
    }
  }
  if (spec.reply.kind === 'sse') headers.set('accept', 'text/event-stream');
  for (const [name, template] of Object.entries(spec.headers)) {
    const value = renderTemplate(template, vars);
    try {
      headers.set(name, value);
    } catch (error) {
      throw new AmnesiaError(
        'AMNESIA_INVALID_INPUT',
        `chat.headers: ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid HTTP header (names are tokens; values may not hold line breaks or characters beyond Latin-1, so put {{message}} in the body)`,
        { cause: error },
      );
    }
  }
  if (options.cookie) {
    const own = headers.get('cookie');
    headers.set('cookie', own ? `${own}; ${options.cookie}` : options.cookie);
  }
  return {
    url: `${options.baseUrl.replace(/\/+$/, '')}${path}`,
    method,
    headers,
    body,
    label: `${method} ${path}`,
  };
}
