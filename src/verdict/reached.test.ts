import { describe, expect, it } from 'vitest';
import type { RecordedLlmRequest } from '../llm/index.ts';
import { SERVED } from '../llm/routes.ts';
import type { TurnRecord } from '../types/results.ts';
import { nameAppError } from './app-error.ts';
import { llmNeverReached } from './reached.ts';

const AT = { file: 's.yaml', line: 1, column: 1 };
const base = (w: string) => `http://127.0.0.1:4000/s/pets/w/${w}/v1`;
const o = { baseUrl: base, baseUrlEnv: 'OPENAI_BASE_URL' };

function request(kind: RecordedLlmRequest['kind'], path: string): RecordedLlmRequest {
  return {
    seq: 1,
    at: 0,
    scope: 'pets',
    worker: 'r1w1',
    turnId: 'pets/t0',
    kind,
    method: 'POST',
    path,
    stream: false,
    messages: [],
    input: [],
    body: null,
    status: kind === 'unmatched' ? 400 : 200,
    reply: null,
  };
}

function turn(n: number, o: { llm?: RecordedLlmRequest[]; failure?: TurnRecord['failure'] }): TurnRecord {
  return {
    kind: 'turn',
    step: n - 1,
    at: AT,
    session: 'main',
    sessionId: 'x',
    label: `main#${n}`,
    user: 'hi',
    worker: 'r1w1',
    replica: 1,
    pid: 1,
    generation: 1,
    incarnation: 1,
    reason: '',
    after: [],
    startedAt: 0,
    latencyMs: 1,
    status: o.failure ? 500 : 200,
    reply: o.failure ? null : 'ok',
    ...(o.failure ? { failure: o.failure } : {}),
    llm: o.llm ?? [],
    expectations: [],
    passed: !o.failure,
  };
}

const http500 = (tail: string[]): TurnRecord['failure'] => ({
  kind: 'http',
  message: 'POST /chat answered 500 Internal Server Error: {"error":"internal error"}',
  outputTail: tail,
});

describe('llmNeverReached: a scenario the app never answered through the LLM is an error', () => {
  it('every request failed: the first failure, and what the worker printed', () => {
    const tail = ['[stderr] TypeError: chatHistory.add is not a function', '[stderr]     at x (y.js:1:1)'];
    expect(
      llmNeverReached([turn(1, { failure: http500(tail) }), turn(2, { failure: http500(tail) })], o),
    ).toBe(
      'no turn was answered: every request to the app failed (first, main#1 on r1w1: POST /chat answered 500 Internal Server Error: {"error":"internal error"}); r1w1\'s output says: TypeError: chatHistory.add is not a function (likely a type mismatch: a list where a memory object is expected, row 5)',
    );
  });

  it('every LLM call refused as unmatched: the method and path it got, the base URL, what amnesia serves', () => {
    const refused = [request('unmatched', '/completions')];
    expect(llmNeverReached([turn(1, { llm: refused }), turn(2, { llm: refused })], o)).toBe(
      `the app never reached the mock LLM: its 2 LLM requests were all refused as unmatched (first, in main#1: POST /completions under http://127.0.0.1:4000/s/pets/w/r1w1/v1, r1w1's base URL); amnesia serves ${SERVED.join(', ')} under each worker's base URL`,
    );
  });

  it('no LLM call at all: where the app must send them', () => {
    expect(llmNeverReached([turn(1, {})], o)).toBe(
      'the app answered without calling the LLM in any turn, so nothing it remembered can be seen: it must send its LLM calls to $OPENAI_BASE_URL (each worker gets its own, e.g. http://127.0.0.1:4000/s/pets/w/r1w1/v1)',
    );
  });

  it('one turn that reached the LLM is enough for a verdict; so is a scenario without turns', () => {
    const failed = turn(1, { failure: http500([]) });
    expect(llmNeverReached([failed, turn(2, { llm: [request('chat', '/chat/completions')] })], o)).toBe(
      undefined,
    );
    expect(llmNeverReached([turn(1, { llm: [request('embeddings', '/embeddings')] })], o)).toBe(undefined);
    expect(llmNeverReached([], o)).toBe(undefined);
  });
});

describe('nameAppError', () => {
  it("prefers the app's last printed error over amnesia's generic failure message", () => {
    expect(
      nameAppError([
        'POST /chat answered 500 Internal Server Error: {"error":"x"}',
        '[stderr] Error: connect ECONNREFUSED 127.0.0.1:5432',
        '[stderr]     at TCPConnectWrap.afterConnect (node:net:1:1)',
      ]),
    ).toEqual({ text: 'Error: connect ECONNREFUSED 127.0.0.1:5432', typeMismatch: false });
  });

  it('falls back to the first message, and calls a TypeError a likely type mismatch', () => {
    expect(nameAppError(['POST /chat answered 502 Bad Gateway'])).toEqual({
      text: 'POST /chat answered 502 Bad Gateway',
      typeMismatch: false,
    });
    expect(nameAppError(['[stderr] TypeError: history is not iterable'])?.typeMismatch).toBe(true);
    expect(nameAppError([])).toBeUndefined();
  });
});
