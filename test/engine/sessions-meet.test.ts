import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { basicProject } from '../helpers/basic-app.ts';

// An app that keeps one history list per process (every user's messages in one list) leaks one
// user's words into another's prompt. The user's own natural two-session scenario must find it,
// not only the probe ladder: under `spread` routing the sessions meet in one process.
describe('a user’s own two-session scenario finds a leak', () => {
  it('alice and bob, each told a secret and asked for it: leaked, not merely forgotten', async () => {
    await using project = await basicProject('shared', {
      'scenarios/secrets.yaml': `name: secrets stay with their owner
steps:
  - { session: alice, user: "My secret word is pineapple." }
  - { session: bob, user: "My secret word is tangerine." }
  - { session: alice, user: "What is my secret word?", expect: { recall: [pineapple] } }
  - { session: bob, user: "What is my secret word?", expect: { recall: [tangerine] } }
`,
    });
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    expect(s?.leaks.length).toBeGreaterThan(0);
    expect(s?.leaks[0]).toMatchObject({ from: { session: 'alice' }, into: { session: 'bob' } });
  });
});
