/** Where a request landed: whose URL, and which OpenAI route under `/v1`. */
export interface LlmRoute {
  scope: string;
  worker: string;
  /** Path after `/v1` (the whole path when there is no `/v1`). */
  path: string;
}

/** What amnesia serves under a worker's base URL (`…/s/<scenario>/w/<worker>/v1`). */
export const SERVED = [
  'POST /chat/completions',
  'POST /responses',
  'GET|DELETE /responses/{id}',
  'POST /conversations',
  'GET|POST|DELETE /conversations/{id}',
  'GET|POST /conversations/{id}/items',
  'GET|DELETE /conversations/{id}/items/{item}',
  'POST /messages (Anthropic)',
  'POST /embeddings',
  'GET /models',
] as const;

export type KnownRouteKind = 'chat' | 'embeddings' | 'models' | 'state';

const SCOPED = /^\/s\/([^/]+)\/w\/([^/]+)\/v1(\/.*)?$/;
const BARE = /^\/v1(\/.*)?$/;

/** The path prefix of one worker's URL, e.g. `/s/pets/w/r1w2/v1`. */
export function scopedPrefix(scope: string, worker: string): string {
  return `/s/${encodeURIComponent(scope)}/w/${encodeURIComponent(worker)}/v1`;
}

export function parseRoute(pathname: string): LlmRoute {
  const scoped = SCOPED.exec(pathname);
  if (scoped) {
    return { scope: decode(scoped[1] ?? ''), worker: decode(scoped[2] ?? ''), path: scoped[3] ?? '/' };
  }
  const bare = BARE.exec(pathname);
  return { scope: '', worker: '', path: bare ? (bare[1] ?? '/') : pathname };
}

/** The OpenAI route a method and path (after `/v1`) name, if amnesia understands it. */
export function routeKind(method: string, path: string): KnownRouteKind | null {
  if (method === 'POST' && (path === '/chat/completions' || path === '/responses' || path === '/messages'))
    return 'chat';
  if (path.startsWith('/responses/') || path === '/conversations' || path.startsWith('/conversations/'))
    return 'state';
  if (method === 'POST' && path === '/embeddings') return 'embeddings';
  if (method === 'GET' && (path === '/models' || path.startsWith('/models/'))) return 'models';
  return null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
