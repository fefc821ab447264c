import { describe, expect, it } from 'vitest';
import { parseRoute, routeKind, scopedPrefix } from './routes.ts';

describe('parseRoute', () => {
  it('reads scope, worker and the path after /v1 of a worker URL', () => {
    expect(parseRoute(`${scopedPrefix('pets & cats', 'r1w2')}/chat/completions`)).toEqual({
      scope: 'pets & cats',
      worker: 'r1w2',
      path: '/chat/completions',
    });
  });

  it('gives the bare /v1 URL an empty scope and worker', () => {
    expect(parseRoute('/v1/embeddings')).toEqual({ scope: '', worker: '', path: '/embeddings' });
  });

  it('keeps the whole path of a URL without /v1', () => {
    expect(parseRoute('/chat/completions')).toEqual({ scope: '', worker: '', path: '/chat/completions' });
  });
});

describe('routeKind', () => {
  it('names the routes amnesia understands: model answers on every API, provider state, embeddings, models', () => {
    expect(routeKind('POST', '/chat/completions')).toBe('chat');
    expect(routeKind('POST', '/embeddings')).toBe('embeddings');
    expect(routeKind('GET', '/models')).toBe('models');
    expect(routeKind('GET', '/chat/completions')).toBeNull();
    expect(routeKind('POST', '/responses')).toBe('chat');
    expect(routeKind('POST', '/messages')).toBe('chat');
    expect(routeKind('GET', '/responses/resp_1')).toBe('state');
    expect(routeKind('POST', '/conversations/conv_1/items')).toBe('state');
    expect(routeKind('POST', '/completions')).toBeNull();
  });
});
