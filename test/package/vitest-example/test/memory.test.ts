// test/memory.test.ts
import { startApp } from 'amnesia/vitest';
import { expect, test } from 'vitest';

test('remembers the cat on another worker and after a restart, and keeps secrets apart', async () => {
  await using app = await startApp({ topology: { replicas: 2, workers: 2 } });
  const alice = app.session('alice');
  const bob = app.session('bob');

  await alice.say('My cat is called Miso.', { on: 'r1w1' });
  await bob.say('My secret word is pineapple.', { on: 'r2w1' });

  const otherWorker = await alice.say('What is my cat called?', { on: 'r1w2' });
  expect(otherWorker).toRecall('Miso');
  expect(otherWorker).toForget('pineapple');

  await app.restart('r1');
  const afterRestart = await alice.say('Remind me: what is my cat called?');
  expect(afterRestart).toRecall('Miso');
  expect(afterRestart.reply).toContain('alice#3'); // the mock LLM's reply names the turn

  expect(app).not.toHaveLeaked();
});
