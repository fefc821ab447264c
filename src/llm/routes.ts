/** Where a request landed: whose URL, and which OpenAI route under `/v1`. */
export interface LlmRoute {
  /** The run's key the URL carried (`/k/<key>/…`), `''` when it carried none. */
  key: string;
  scope: string;
  worker: string;
  /** Path after `/v1` (the whole path when there is no `/v1`). */
  path: string;
}

/** What amnesia serves under a worker's base URL (`…/k/<key>/s/<scenario>/w/<worker>/v1`). */
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

const KEYED = /^\/k\/([^/]*)(\/.*)?$/;
const SCOPED = /^\/s\/([^/]+)\/w\/([^/]+)\/v1(\/.*)?$/;
const BARE = /^\/v1(\/.*)?$/;

/** The key prefix as messages and reports show it: never the key itself. */
export const HIDDEN_KEY_PREFIX = '/k/<key>';

/** The path prefix every URL of a run starts with, e.g. `/k/3q2-…`: only processes given it are heard. */
export function keyPrefix(key: string): string {
  return `/k/${encodeURIComponent(key)}`;
}

/** A path as messages show it: `/k/<key>/…`, never the key. */
export function hideKey(pathname: string): string {
  return pathname.replace(/^\/k\/[^/]*/, HIDDEN_KEY_PREFIX);
}

/** The path prefix of one worker's URL after the key, e.g. `/s/pets/w/r1w2/v1`. */
export function scopedPrefix(scope: string, worker: string): string {
  return `/s/${encodeURIComponent(scope)}/w/${encodeURIComponent(worker)}/v1`;
}

/** Splits `/k/<key>/s/<scope>/w/<worker>/v1/<path>` (each part but the path optional). */
export function parseRoute(pathname: string): LlmRoute {
  const keyed = KEYED.exec(pathname);
  const key = keyed ? decode(keyed[1] ?? '') : '';
  const rest = keyed ? (keyed[2] ?? '/') : pathname;
  const scoped = SCOPED.exec(rest);
  if (scoped) {
    return { key, scope: decode(scoped[1] ?? ''), worker: decode(scoped[2] ?? ''), path: scoped[3] ?? '/' };
  }
  const bare = BARE.exec(rest);
  return { key, scope: '', worker: '', path: bare ? (bare[1] ?? '/') : rest };
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
