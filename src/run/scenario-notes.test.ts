import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import { OUTPUT_LIMITS } from '../topology/output-log.ts';
import { scenarioNotes } from './scenario-notes.ts';

const none = { cuts: [], requests: [], maxRequestBytes: 8 * 2 ** 20, droppedConnections: 0, refused: 0 };

describe('scenarioNotes', () => {
  it('says nothing when nothing was cut, refused or dropped', () => {
    expect(scenarioNotes(none)).toEqual([]);
  });

  it('says each in one sentence, singular or plural', () => {
    const cut = {
      file: '/x/logs/r1w2.1.log',
      droppedBytes: 3 * 2 ** 20,
      droppedLines: 1200,
      longLines: 0,
      cutChars: 0,
      limits: OUTPUT_LIMITS,
    };
    expect(
      scenarioNotes({
        ...none,
        cuts: [{ id: 'r1w2', cut }],
        requests: [{ kind: 'too-large' }, { kind: 'chat' }] as RecordedLlmRequest[],
        droppedConnections: 3,
        refused: 1,
      }),
    ).toEqual([
      'the output of worker r1w2 was cut (r1w2.1.log): 3 MiB (1,200 lines) dropped between the first 4 MiB and the last 1 MiB it keeps; amnesia still reads all of it, which slows the run',
      '1 LLM request over llm.max_request (8 MiB) was refused with a 413 and not kept',
      '3 connections to the mock LLM were closed as they came during this scenario: too many were open at once',
      "1 request to the mock LLM without the run's key was refused (another process posting to this scenario's URLs; never attributed to a turn)",
    ]);
  });
});
