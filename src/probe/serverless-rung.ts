import { createMatcher } from '../scenario/matcher.ts';
import type { SourceLocation, Step } from '../scenario/types.ts';
import { renderTemplate } from '../util/template.ts';
import { RUNG_NAMES } from '../verdict/failure-table.ts';
import { canary, type Ladder } from './ladder.ts';

const AT: SourceLocation = { file: 'probe ladder', line: 0, column: 0 };

/**
 * The rung SL, for an app that runs serverless: a fresh session says a canary to a newly started
 * instance, and asks for it on another newly started one (a cold start each, no warm reuse). It
 * runs on a serverless topology of one slot, beside the six rungs, which run on long-lived workers
 * (on a serverless topology every rung would be a cold start, and the six would say nothing).
 */
export function buildServerlessRung(probe: { say: string; ask: string }, makeCanary = canary): Ladder {
  const fact = makeCanary();
  const session = 'probe-sl';
  const r1w1 = { kind: 'worker', replica: 1, worker: 1 } as const;
  const steps: Step[] = [
    {
      kind: 'turn',
      step: 0,
      session,
      turn: 1,
      user: renderTemplate(probe.say, { canary: fact }),
      pin: r1w1,
      expect: { recall: [], forget: [] },
      at: AT,
    },
    {
      kind: 'turn',
      step: 1,
      session,
      turn: 2,
      user: probe.ask,
      pin: r1w1,
      expect: { recall: [createMatcher(fact, AT)], forget: [] },
      at: AT,
    },
  ];
  return {
    scenario: {
      file: 'probe ladder',
      name: 'probe ladder (serverless)',
      description: `A fresh session says a canary and asks for it: SL ${RUNG_NAMES.SL}.`,
      tags: ['probe'],
      topology: { replicas: 1, workers: 1, serverless: { warm: 0 } },
      routing: 'spread',
      steps,
      sessions: [session],
      at: AT,
    },
    rungs: [{ rung: 'SL', ask: 1 }],
  };
}
