import { describe, expect, it } from 'vitest';
import { sessionId, slugify } from './session-id.ts';

const SAFE = /^[a-z0-9-]+$/;

describe('slugify', () => {
  it.each([
    ['Remembers the user!', 'remembers-the-user'],
    ['  --Ada & Bob--  ', 'ada-bob'],
    ['r2w1', 'r2w1'],
    ['Ünïcode Café', 'unicode-cafe'],
    ['日本語', ''],
  ])('turns %j into %j', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });

  it('caps the length without leaving a trailing dash', () => {
    expect(slugify(`${'a'.repeat(39)} tail`)).toBe('a'.repeat(39));
    expect(slugify('abcdef', 3)).toBe('abc');
  });
});

describe('sessionId', () => {
  it('is readable when the names are already slugs', () => {
    expect(sessionId('k3x9', 'pets', 'alice')).toBe('amn-k3x9-pets-alice');
  });

  it('is stable for the same inputs', () => {
    expect(sessionId('run1', 'Remembers name', 'Alice')).toBe(sessionId('run1', 'Remembers name', 'Alice'));
  });

  it('differs per run, scope and session, including names a slug cannot tell apart', () => {
    const ids = [
      sessionId('run1', 'pets', 'alice'),
      sessionId('run2', 'pets', 'alice'),
      sessionId('run1', 'cars', 'alice'),
      sessionId('run1', 'pets', 'bob'),
      sessionId('run1', 'pets', 'Alice'),
      sessionId('run1', 'pets', 'alice!'),
      sessionId('run1', 'pets-alice', 'x'),
      sessionId('run1', 'pets', 'alice-x'),
      sessionId('run1', 'a'.repeat(50), 'main'),
      sessionId('run1', 'a'.repeat(51), 'main'),
      sessionId('run1', '日本', 'main'),
      sessionId('run1', '中国', 'main'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('only holds lowercase letters, digits and dashes, whatever the names', () => {
    for (const id of [
      sessionId('Run 1', 'Remembers the user across workers and a restart, twice', 'Ünïcode "quoted"'),
      sessionId('', '', ''),
      sessionId('run', "'; DROP TABLE sessions; --", '../../etc/passwd'),
    ])
      expect(id).toMatch(SAFE);
  });

  it('appends a hash only when the parts could not be read back', () => {
    expect(sessionId('run1', 'Remembers name', 'main')).toMatch(/^amn-run1-remembers-name-main-[0-9a-f]{8}$/);
    expect(sessionId('run1', 'pets', 'Alice')).toMatch(/^amn-run1-pets-alice-[0-9a-f]{8}$/);
  });
});
