import { describe, expect, it } from 'vitest';
import { hideKey, keyPrefix, parseRoute, routeKind, scopedPrefix } from './routes.ts';

describe('parseRoute', () => {
  it('reads scope, worker and the path after /v1 of a worker URL', () => {
    expect(
      parseRoute(`${keyPrefix('k-1_a')}${scopedPrefix('pets & cats', 'r1w2')}/chat/completions`),
    ).toEqual({
      key: 'k-1_a',
      scope: 'pets & cats',
      worker: 'r1w2',
      path: '/chat/completions',
    });
  });

  it('gives the bare /v1 URL an empty scope and worker', () => {
    expect(parseRoute('/v1/embeddings')).toEqual({ key: '', scope: '', worker: '', path: '/embeddings' });
  });

  it('keeps the whole path of a URL without /v1', () => {
    expect(parseRoute('/chat/completions')).toEqual({
      key: '',
      scope: '',
      worker: '',
      path: '/chat/completions',
    });
  });

  it('reads the key of a URL without a worker, and hides it when asked', () => {
    expect(parseRoute('/k/abc/v1/models')).toEqual({ key: 'abc', scope: '', worker: '', path: '/models' });
    expect(parseRoute('/s/pets/w/r1w1/v1/models')).toMatchObject({ key: '', scope: 'pets' });
    expect(hideKey('/k/abc/s/pets/w/r1w1/v1')).toBe('/k/<key>/s/pets/w/r1w1/v1');
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
