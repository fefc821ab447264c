/**
 * amnesia inside vitest: scenario files as tests, a harness for code-first tests, and memory
 * matchers. `vitest` is a peer dependency: this entry runs only inside vitest.
 *
 * @example
 * import { describeScenarios, startApp } from 'amnesia/vitest';
 * describeScenarios('scenarios/*.yaml');
 * test('remembers across a restart', async () => {
 *   await using app = await startApp();
 *   const alice = app.session('alice');
 *   await alice.say('My cat is Miso', { on: 'r1w1' });
 *   await app.restart('r1');
 *   expect(await alice.say('What is my cat called?')).toRecall('Miso');
 * });
 */

export { startApp } from './app.ts';
export { type DescribeScenariosOptions, describeScenarios } from './describe-scenarios.ts';
export { InvalidArgumentError, ScenarioFailedError, TurnFailedError } from './errors.ts';
export { type AmnesiaMatchers, amnesiaMatchers } from './matchers.ts';
export type {
  App,
  ChatSession,
  SayOptions,
  StartAppOptions,
  TargetName,
  Turn,
} from './types.ts';
