import { describe, expect, it } from 'vitest';
import { runsNode } from './runs-node.ts';

describe('runsNode: does app.command start Node.js (and so read NODE_COMPILE_CACHE)?', () => {
  it.each([
    ['node server.js', true],
    ['NODE_ENV=production node --max-old-space-size=512 server.js', true],
    ['exec node server.js', true],
    ['/usr/local/bin/node server.js', true],
    ['npm start', true],
    ['npx tsx server.ts', true],
    ['pnpm run serve', true],
    ['uvicorn app:app --port $PORT', false],
    ['python app.py', false],
    ['./node_modules/.bin/next start', false],
  ])('%s → %s', (command, expected) => {
    expect(runsNode(command)).toBe(expected);
  });

  it('reads a command given as a list by its program', () => {
    expect(runsNode(['node', 'server.js'])).toBe(true);
    expect(runsNode(['gunicorn', 'app:app'])).toBe(false);
  });
});
