import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { amnesiaMatchers, startApp } from '../../src/vitest/index.ts';
import { basicProject, leftovers } from '../helpers/basic-app.ts';

expect.extend(amnesiaMatchers);

describe('startApp', () => {
  it('global map: remembered on the same worker, forgotten after a restart', {
    timeout: 60_000,
  }, async () => {
    await using project = await basicProject('global', {});
    let runId = '';
    {
      await using app = await startApp({ config: path.join(project.dir, 'amnesia.config.yaml') });
      runId = app.runId;
      const alice = app.session('alice');
      await alice.say('My cat is called Miso.', { on: 'r1w1' });
      const same = await alice.say('What is my cat called?', { on: 'r1w1' });
      expect(same).toRecall('Miso');
      await app.restart('r1');
      const after = await alice.say('What is my cat called now?');
      expect(after.worker).toBe('r1w1');
      expect(after.after).toEqual(['restart r1 (grace 2000 ms)']);
      expect(after).not.toRecall('Miso');
      expect(() => expect(after).toRecall('Miso')).toThrow(/forgot "Miso"/);
      expect(app).not.toHaveLeaked();
    }
    expect(leftovers(runId)).toEqual([]);
  });
});
