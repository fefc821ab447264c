import { describe, expect, it } from 'vitest';
import type { WorkerId } from '../scenario/workers.ts';
import type {
  Diagnosis,
  DisruptionStepRecord,
  ExpectationResult,
  Rung,
  StepRecord,
  TurnRecord,
} from '../types/results.ts';
import { crossing } from './crossing.ts';
import { diagnose } from './diagnosis.ts';
import { explainFailures } from './explain.ts';
import { RUNGS } from './failure-table.ts';
import { trimmedHistory } from './trim.ts';

const AT = { file: '/repo/scenarios/s.yaml', line: 1, column: 1 };
const SYSTEM = { role: 'system', content: 'You are a helpful assistant.' };

/** A turn of session `main` whose prompt was `history` (system message and own message added). */
function turn(
  n: number,
  o: {
    worker?: WorkerId;
    pid?: number;
    generation?: number;
    user?: string;
    history?: { role: string; content: string }[];
    after?: { role: string; content: string }[];
    expectations?: ExpectationResult[];
    failure?: TurnRecord['failure'];
    step?: number;
  } = {},
): TurnRecord {
  const worker = o.worker ?? 'r1w1';
  const label = `main#${n}`;
  const user = o.user ?? `Note ${n} of my diary.`;
  const messages = [SYSTEM, ...(o.history ?? []), { role: 'user', content: user }, ...(o.after ?? [])];
  const expectations = o.expectations ?? [];
  return {
    kind: 'turn',
    step: o.step ?? n - 1,
    at: AT,
    session: 'main',
    sessionId: 'run-s-main',
    label,
    user,
    worker,
    replica: Number(worker.slice(1, worker.indexOf('w'))),
    pid: o.pid ?? 100,
    generation: o.generation ?? 1,
    incarnation: 1,
    reason: 'pinned',
    after: [],
    startedAt: 0,
    latencyMs: 10,
    status: o.failure ? 500 : 200,
    reply: o.failure ? null : `ack ${label}`,
    ...(o.failure ? { failure: o.failure } : {}),
    llm: o.failure
      ? []
      : [
          {
            seq: n,
            at: 0,
            scope: 's',
            worker,
            turnId: `s/t${n}`,
            kind: 'chat',
            method: 'POST',
            path: '/chat/completions',
            stream: false,
            messages,
            input: [],
            body: null,
            status: 200,
            reply: `ack ${label}`,
          },
        ],
    expectations,
    passed: !o.failure && expectations.every((e) => e.passed),
  };
}

/** The user and assistant messages of turns `from`..`to` as the app stored them. */
const history = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => [
    { role: 'user', content: `Note ${from + i} of my diary.` },
    { role: 'assistant', content: `ack main#${from + i}` },
  ]).flat();

const forgot = (expected: string, said: TurnRecord): ExpectationResult => ({
  kind: 'recall',
  expected,
  passed: false,
  message: `forgot "${expected}"`,
  at: AT,
  saidIn: [{ label: said.label, worker: said.worker, pid: said.pid, step: said.step }],
});

const recentHeld: ExpectationResult = {
  kind: 'recall_recent',
  expected: 'the last 2 user messages',
  passed: true,
  message: 'the last 2 user messages reached the LLM',
  at: AT,
};

/** `'✓✓✗✓✓✓✗'` (`–` not judged; a 7th character is CC, an 8th LT) → the probe's diagnosis. */
const probe = (s: string): Diagnosis =>
  diagnose(
    [...s].map((c, i) => ({ rung: RUNGS[i] as Rung, kept: c === '–' ? null : c === '✓' })),
    { leak: false, scenarioFailed: true },
  );

const disruption = (step: number, type: 'restart' | 'crash', id: WorkerId): DisruptionStepRecord => ({
  kind: 'disruption',
  step,
  at: AT,
  type,
  description: `${type} ${id}`,
  changes: [{ id, before: { pid: 100, exit: { code: 0, signal: null }, forced: false }, after: undefined }],
  durationMs: 1,
  topology: { replicas: 2, workers: 2 },
});

/** A 12-turn conversation on r1w1 whose last prompt held only main#8–main#11 (a window of 8 messages). */
function longConversation(): StepRecord[] {
  const turns = Array.from({ length: 11 }, (_, i) => turn(i + 1, { history: history(1, i) }));
  turns[0] = turn(1, { user: 'My cat is called Miso.' });
  const first = turns[0] as TurnRecord;
  const last = turn(12, {
    user: 'What is my cat called?',
    history: history(8, 11),
    expectations: [forgot('Miso', first), recentHeld],
  });
  return [...turns, last];
}

describe('trimmedHistory', () => {
  it("finds the session's most recent messages, in order, and none older", () => {
    const steps = longConversation() as TurnRecord[];
    const last = steps.at(-1) as TurnRecord;
    expect(trimmedHistory(last, steps.slice(0, -1))).toEqual({
      messages: 8,
      of: 22,
      from: 'main#8',
      to: 'main#11',
      oldestStep: 7,
      held: ['main#8', 'main#9', 'main#10', 'main#11'],
    });
  });

  it('is not a trim when the whole history is there, when nothing is, or when the order differs', () => {
    const earlier = [turn(1), turn(2, { history: history(1, 1) })];
    expect(trimmedHistory(turn(3, { history: history(1, 2) }), earlier)).toBeUndefined();
    expect(trimmedHistory(turn(3, { history: [] }), earlier)).toBeUndefined();
    const swapped = [...history(2, 2).reverse()];
    expect(trimmedHistory(turn(3, { history: swapped }), earlier)).toBeUndefined();
  });

  it('leaves out system messages anywhere (retrieved context after the question) and the own message', () => {
    const earlier = [turn(1), turn(2), turn(3)];
    const asked = turn(4, {
      history: history(3, 3),
      after: [{ role: 'system', content: 'Context: Note 1 of my diary.' }],
    });
    expect(trimmedHistory(asked, earlier)).toMatchObject({ messages: 2, from: 'main#3', to: 'main#3' });
  });
});

describe('crossing', () => {
  const said = turn(1);
  it('names the rung a turn crossed since the fact was said', () => {
    expect(crossing(said, turn(2), [])).toEqual(['SW']);
    expect(crossing(said, turn(2, { worker: 'r1w2', pid: 101 }), [])).toEqual(['OW']);
    expect(crossing(said, turn(2, { worker: 'r2w1', pid: 102 }), [])).toEqual(['OR']);
    expect(crossing(said, turn(3, { generation: 2, pid: 103 }), [])).toEqual(['RD']);
    expect(crossing(said, turn(3, { pid: 104 }), [disruption(1, 'restart', 'r1w1')])).toEqual(['RS']);
    expect(crossing(said, turn(3, { pid: 104 }), [disruption(1, 'crash', 'r1w1')])).toEqual(['CR']);
  });

  it('ignores disruptions of other workers, and those outside the two turns', () => {
    expect(crossing(said, turn(3), [disruption(1, 'crash', 'r2w1')])).toEqual(['SW']);
    expect(crossing(turn(2, { step: 3 }), turn(3, { step: 4 }), [disruption(1, 'crash', 'r1w1')])).toEqual([
      'SW',
    ]);
  });
});

describe('explainFailures', () => {
  it('a long conversation on one worker is trimmed, not the local disk the probe found (row 4, not row 3)', () => {
    const [e] = explainFailures({ steps: longConversation(), diagnosis: probe('✓✓✗✓✓✓✗') });
    expect(e?.rows).toEqual(['4']);
    expect(e?.crossing).toEqual(['SW']);
    expect(e?.text).toBe(
      'main#12: the history reached the LLM trimmed to the last 8 of 22 messages (main#8–main#11); main#1, where "Miso" was said, is older: a memory window or token limit; this turn\'s own recall_recent (the last 2 user messages) holds, so the window may be intended. The probe\'s row 3 does not explain it: since main#1 (r1w1) it stayed on r1w1 (pid 100) with nothing in between, where the probe kept its fact (SW ✓)',
    );
  });

  it('attaches the probe row to a turn whose crossing the signature loses', () => {
    const said = turn(1, { user: 'My composer is Hildegard.' });
    const asked = turn(2, { worker: 'r2w1', pid: 200, expectations: [forgot('Hildegard', said)] });
    const [e] = explainFailures({ steps: [said, asked], diagnosis: probe('✓✓✗✓✓✓✗') });
    expect(e).toEqual({
      step: 1,
      label: 'main#2',
      crossing: ['OR'],
      rows: ['3'],
      text: 'main#2: since main#1 (r1w1) it went to another replica (r2w1), where the probe lost its fact too (OR ✗): row 3',
    });
  });

  it('says the probe does not explain a turn whose crossing it keeps, and that nothing else does', () => {
    const said = turn(1, { user: 'My word is pineapple.' });
    const asked = turn(3, { pid: 104, step: 2, expectations: [forgot('pineapple', said)] });
    const [e] = explainFailures({
      steps: [said, disruption(1, 'crash', 'r1w1'), asked],
      diagnosis: probe('✓✓✗✓✓✓✗'),
    });
    expect(e?.rows).toEqual([]);
    expect(e?.text).toBe(
      "main#3: the probe's row 3 does not explain it: since main#1 (r1w1) it came after a crash, where the probe kept its fact (CR ✓); nothing else in its evidence explains it: start from its prompt",
    );
  });

  it('a crash that lost only the last turn before it, the earlier ones kept, is a save not awaited (row 12)', () => {
    const first = turn(1, { user: 'My name is Ada.' });
    const said = turn(2, {
      user: 'My word is pineapple.',
      history: [{ role: 'user', content: 'My name is Ada.' }],
    });
    const asked = turn(3, {
      pid: 104,
      step: 3,
      history: [{ role: 'user', content: 'My name is Ada.' }],
      expectations: [forgot('pineapple', said)],
    });
    const steps = [first, said, disruption(2, 'crash', 'r1w1'), asked];
    const [e] = explainFailures({ steps, diagnosis: probe('✓✓✓✓✓✓✓✓') });
    expect(e?.rows).toEqual(['12']);
    expect(e?.crossing).toEqual(['CR', 'CI']);
    expect(e?.text).toBe(
      'main#3: since main#2 (r1w1) it came after a crash; main#2 was its last turn before the crash, the only one lost (main#1 kept): the save of its answer had not landed when the worker was killed, likely not awaited: row 12',
    );
    // Without the probe, the same evidence says the same.
    expect(explainFailures({ steps, diagnosis: undefined })[0]?.rows).toEqual(['12']);
    // A turn between the fact and the crash: the fact was not the last answer before it.
    const later = turn(3, { step: 3, user: 'Hello again.' });
    const afterIt = turn(4, { pid: 104, step: 5, expectations: [forgot('pineapple', said)] });
    const [other] = explainFailures({
      steps: [first, said, later, disruption(4, 'crash', 'r1w1'), afterIt],
      diagnosis: probe('✓✓✓✓✓✓✓✓'),
    });
    expect(other?.rows).toEqual([]);
  });

  it('a crash right after the only turn is row 12 where the probe lost a fact to CI and kept one on CR', () => {
    const said = turn(1, { user: 'My word is pineapple.' });
    const asked = turn(2, { pid: 104, step: 2, expectations: [forgot('pineapple', said)] });
    const [e] = explainFailures({
      steps: [said, disruption(1, 'crash', 'r1w1'), asked],
      diagnosis: probe('✓✓✓✓✓✗✓✓'),
    });
    expect(e?.rows).toEqual(['12']);
    expect(e?.text).toBe(
      'main#2: since main#1 (r1w1) it came after a crash; main#1 was its last turn before the crash: the save of its answer had not landed when the worker was killed, likely not awaited (the probe too lost a fact to a crash at once after the answer, and kept one after a pause: CI ✗, CR ✓): row 12',
    );
  });

  it('without a crash, the latest turns missing and the earlier kept is row 12 only where the probe saw CI ✗, CR ✓', () => {
    const first = turn(1, { user: 'My name is Ada.' });
    const said = turn(2, {
      user: 'My word is pineapple.',
      history: [{ role: 'user', content: 'My name is Ada.' }],
    });
    const asked = turn(3, {
      worker: 'r1w2',
      pid: 101,
      history: [{ role: 'user', content: 'My name is Ada.' }],
      expectations: [forgot('pineapple', said)],
    });
    const late = explainFailures({ steps: [first, said, asked], diagnosis: probe('✓✓✓✓✓✗✓✓') })[0];
    expect(late?.rows).toEqual(['12']);
    expect(late?.text).toBe(
      'main#3: since main#2 (r1w1) it went to another worker of the replica (r1w2); main#2 is missing while every earlier turn reached the prompt: this turn read the history before the save of the latest answers had landed (the probe lost a fact to a crash at once after the answer and kept one after a pause: CI ✗, CR ✓), so the app answers before it saves: row 12',
    );
    // Another worker's RAM loses the latest turns too: without the probe's CI ✗, no row 12.
    expect(explainFailures({ steps: [first, said, asked], diagnosis: undefined })).toEqual([]);
    expect(explainFailures({ steps: [first, said, asked], diagnosis: probe('✓✓✓✓✓✓✓✓') })[0]?.rows).toEqual(
      [],
    );
  });

  it('an old fact on another worker, past a short window, is the long-term row the LT rung found', () => {
    const said = turn(1, { user: 'My favourite colour is teal.' });
    const fillers = [turn(2, { history: history(1, 1) }), turn(3), turn(4)];
    const asked = turn(5, {
      worker: 'r1w2',
      pid: 101,
      user: 'What is my favourite colour?',
      history: history(3, 4),
      after: [{ role: 'system', content: 'Context: nothing relevant.' }],
      expectations: [forgot('teal', said)],
    });
    const [e] = explainFailures({ steps: [said, ...fillers, asked], diagnosis: probe('✓✓✓✓✓✓✓✓✗') });
    expect(e?.crossing).toEqual(['OW', 'LT']);
    expect(e?.rows).toEqual(['2']);
    expect(e?.text).toBe(
      'main#5: since main#1 (r1w1) it went to another worker of the replica (r1w2) and asked for a fact older than the history the prompt held (trimmed to the last 4 of 8 messages (main#3–main#4)), where the probe lost its fact too (LT ✗): row 2',
    );
  });

  it('a worker that answered by replacing the cookie the client sent is row 11, not row 2', () => {
    const said = turn(1, { user: 'My composer is Hildegard.' });
    const asked = {
      ...turn(2, { worker: 'r1w2', pid: 101, expectations: [forgot('Hildegard', said)] }),
      exchange: {
        sent: [{ name: 'conv', bytes: 812, hash: 'aaaaaaaaaaaa' }],
        set: [{ name: 'conv', bytes: 96, hash: 'bbbbbbbbbbbb', replaced: true }],
        headers: {},
      },
    };
    const [e] = explainFailures({ steps: [said, asked], diagnosis: probe('✓✗✗✗✗✗✗') });
    expect(e?.rows).toEqual(['11']);
    expect(e?.text).toBe(
      "main#2: since main#1 (r1w1) it went to another worker of the replica (r1w2), which answered by replacing the session's cookie `conv` (sent 812 B) with a fresh one (96 B): client-held state rejected by another process (a per-process signing or encryption key): row 11",
    );
  });

  it("names row 5 from the app's own output when it answers a generic 500", () => {
    const failed = turn(1, {
      failure: {
        kind: 'http',
        message: 'POST /chat answered 500 Internal Server Error: {"error":"internal error"}',
        outputTail: [
          '[stdout] listening on 4123',
          '[stderr] TypeError: chatHistory.add is not a function',
          '[stderr]     at SimpleChatEngine.chat (file:///app/index.js:930:29)',
        ],
      },
    });
    expect(explainFailures({ steps: [failed] })).toEqual([
      {
        step: 0,
        label: 'main#1',
        crossing: [],
        rows: ['5'],
        text: 'main#1: the app failed on its memory object: TypeError: chatHistory.add is not a function: likely a type mismatch (a list where a memory object is expected)',
      },
    ]);
  });

  it('a turn answered without calling the LLM says so, whatever the probe found', () => {
    const said = turn(1, { user: 'My word is pineapple.' });
    const asked = {
      ...turn(2, { worker: 'r1w2', pid: 101, expectations: [forgot('pineapple', said)] }),
      llm: [],
    };
    asked.expectations.unshift({
      kind: 'llm_called',
      expected: 'a call to the LLM',
      passed: false,
      message: 'the app answered main#2 without calling the LLM',
      at: AT,
    });
    expect(explainFailures({ steps: [said, asked], diagnosis: probe('✓✗✗✗✗✗✗') })).toEqual([
      {
        step: 1,
        label: 'main#2',
        crossing: [],
        rows: [],
        text: 'main#2: the app answered without calling the LLM, so nothing it remembered could reach it',
      },
    ]);
  });

  it("a forget that failed because another session's message leaked in is row 7", () => {
    const bob = { ...turn(1, { user: 'My token is tangerine.' }), session: 'bob', label: 'bob#1' };
    const keptOut: ExpectationResult = {
      kind: 'forget',
      expected: 'tangerine',
      passed: false,
      message: '"tangerine" reached the LLM but must not',
      at: AT,
    };
    const alice = { ...turn(2, { expectations: [keptOut] }), session: 'alice', label: 'alice#1' };
    const leaks = [
      {
        from: { session: 'bob', label: 'bob#1', worker: 'r1w1' as const, step: 0 },
        into: { session: 'alice', label: 'alice#1', worker: 'r1w1' as const, step: 1 },
        text: 'My token is tangerine.',
      },
    ];
    expect(explainFailures({ steps: [bob, alice], leaks })).toEqual([
      {
        step: 1,
        label: 'alice#1',
        crossing: [],
        rows: ['7'],
        text: "alice#1: bob#1's message (another session) reached its prompt: memory is not keyed by session",
      },
    ]);
  });

  it('without a probe, a trimmed history still explains the turn; nothing else is guessed', () => {
    const [e] = explainFailures({ steps: longConversation() });
    expect(e?.rows).toEqual(['4']);
    expect(e?.text).not.toContain('probe');
    const said = turn(1, { user: 'My word is pineapple.' });
    const asked = turn(2, { worker: 'r2w1', pid: 200, expectations: [forgot('pineapple', said)] });
    expect(explainFailures({ steps: [said, asked] })).toEqual([]);
  });

  it('a process-RAM app across a redeploy lost everything before it: no trim, no row 4, with or without the probe', () => {
    const said = turn(1, { user: 'My order is DS-88213.' });
    const other = turn(2, { worker: 'r1w2', pid: 101, history: history(1, 1) });
    const redeploy: DisruptionStepRecord = { ...disruption(2, 'restart', 'r1w1'), type: 'redeploy' };
    // The new process heard main#3 only: its prompt for main#4 holds main#3, the latest turn.
    const after = turn(3, { pid: 200, generation: 2, step: 3 });
    const asked = turn(4, {
      pid: 200,
      generation: 2,
      step: 4,
      history: history(3, 3),
      expectations: [forgot('DS-88213', said)],
    });
    const steps = [said, other, redeploy, after, asked];
    expect(explainFailures({ steps })).toEqual([]);
    const [e] = explainFailures({ steps, diagnosis: probe('✓✗✗✗✗✗✗') });
    expect(e?.rows).toEqual(['2']);
    expect(e?.crossing).toEqual(['RD']);
    expect(e?.text).toBe(
      'main#4: since main#1 (r1w1) it came after a redeploy of the replica (a fresh disk), where the probe lost its fact too (RD ✗): row 2',
    );
    // The same prompt on a worker that served every turn, nothing in between, is a window.
    const pinned = [said, turn(2, { history: history(1, 1) }), turn(3, { step: 2 })];
    const windowed = turn(4, { step: 3, history: history(3, 3), expectations: [forgot('DS-88213', said)] });
    expect(explainFailures({ steps: [...pinned, windowed] })[0]?.rows).toEqual(['4']);
  });

  it("a turn sent at once with another session's turn crossed nothing of its own session", () => {
    const as = (t: TurnRecord, session: string, together?: TurnRecord['together']) => ({
      ...t,
      session,
      label: t.label.replace('main', session),
      ...(together ? { together } : {}),
    });
    const tom1 = as(turn(1, { user: 'My order is TX-41.', step: 0 }), 'tom');
    const maria = as(turn(1, { worker: 'r1w1', step: 1, user: 'My order is DS-88213.' }), 'maria', [
      { label: 'tom#2', worker: 'r1w2' },
    ]);
    const tom2 = as(turn(2, { worker: 'r1w2', pid: 101, step: 1, user: 'I want a replacement.' }), 'tom', [
      { label: 'maria#1', worker: 'r1w1' },
    ]);
    const asked = as(
      turn(3, { worker: 'r2w1', pid: 300, step: 2, expectations: [forgot('replacement', tom2)] }),
      'tom',
    );
    const [e] = explainFailures({ steps: [tom1, maria, tom2, asked], diagnosis: probe('✓✗✗✗✗✗✗✗') });
    expect(e?.crossing).toEqual(['OR']);
    expect(e?.text).toBe(
      'tom#3: since tom#2 (r1w2) it went to another replica (r2w1), where the probe lost its fact too (OR ✗): row 2',
    );
  });

  describe('losses only traffic shows: rows 9 and 10, from the verdict of the turn', () => {
    /** main#1 on r1w1; main#2 (r1w1) and main#3 (r1w2) at once; main#4 on r1w1 forgot main#3's cat. */
    function lostUpdate(): { steps: TurnRecord[]; message: string } {
      const first = turn(1, { user: 'My name is Ada.' });
      const a = { ...turn(2, { step: 1 }), together: [{ label: 'main#3', worker: 'r1w2' as const }] };
      const b = {
        ...turn(3, { step: 1, worker: 'r1w2', pid: 101, user: 'My cat is called Miso.' }),
        together: [{ label: 'main#2', worker: 'r1w1' as const }],
      };
      const message =
        "lost update: main#2 and main#3 were answered at once on r1w1 and r1w2; main#3's message is missing from every later prompt";
      const asked = turn(4, {
        step: 2,
        expectations: [{ ...forgot('Miso', b), message, cause: 'lost-update' }],
      });
      return { steps: [first, a, b, asked], message };
    }

    it('a lost update the probe could not reproduce (no CC rung on one worker) is row 9', () => {
      const { steps, message } = lostUpdate();
      expect(explainFailures({ steps, diagnosis: probe('✓––✓✓✓✓–') })).toEqual([
        { step: 2, label: 'main#4', crossing: ['OW', 'CC'], rows: ['9'], text: `main#4: ${message}` },
      ]);
    });

    it('where the CC rung lost its fact too, the probe names row 9 at the crossing', () => {
      const [e] = explainFailures({ steps: lostUpdate().steps, diagnosis: probe('✓✓✓✓✓✓✓✗') });
      expect(e?.rows).toEqual(['9']);
      expect(e?.text).toBe(
        'main#4: since main#3 (r1w2) it went to another worker of the replica (r1w1) and asked for a fact said at once with main#2 of its session, where the probe lost its fact too (CC ✗): row 9',
      );
    });

    it('an answer lost to two turns at once (its message kept) is row 9, with its own wording', () => {
      const { steps } = lostUpdate();
      const message =
        "lost update: main#2 and main#3 were answered at once on r1w1 and r1w2; the user saw main#2's answer (on r1w1), which the app then forgot it gave: main#2's message reached this prompt, its answer did not";
      const asked = turn(4, {
        step: 2,
        expectations: [
          {
            kind: 'answer_kept',
            expected: "main#2's answer",
            passed: false,
            message,
            at: AT,
            cause: 'lost-update',
          },
        ],
      });
      expect(explainFailures({ steps: [...steps.slice(0, 3), asked], diagnosis: probe('✓✓✓✓✓✓✓✓') })).toEqual(
        [{ step: 2, label: 'main#4', crossing: ['CC'], rows: ['9'], text: `main#4: ${message}` }],
      );
    });

    it('two workers of one replica share its disk: a CC loss there is row 9, never the disk row 3', () => {
      const [e] = explainFailures({ steps: lostUpdate().steps, diagnosis: probe('✓✓✗✓✓✓✗✗') });
      expect(e?.crossing).toEqual(['OW', 'CC']);
      expect(e?.rows).toEqual(['9']);
      expect(e?.text).toMatch(/\(CC ✗\): row 9$/);
    });

    it('a turn dropped in flight is row 10, whatever the probe says', () => {
      const dropped = turn(2, {
        worker: 'r1w2',
        failure: { kind: 'connection', message: 'socket hang up', outputTail: [] },
        expectations: [
          {
            kind: 'answered',
            expected: 'an answer',
            passed: false,
            message:
              'the request failed while restart r1w2 was under way: the app dropped a turn in flight when it was stopped (socket hang up)',
            at: AT,
            cause: 'lost-in-flight',
          },
        ],
      });
      const [e] = explainFailures({ steps: [turn(1), dropped], diagnosis: probe('✓✓✓✓✓✓✓✓') });
      expect(e?.rows).toEqual(['10']);
      expect(e?.text).toMatch(/^main#2: the request failed while restart r1w2 was under way/);
    });

    it('answered but not remembered is row 10 where every rung held, the probe row where the crossing lost it', () => {
      // In flight during the restart: it shares the restart's step, and met it after it began.
      const said = {
        ...turn(2, { worker: 'r1w2', pid: 101, step: 2, user: 'My cat is called Miso.' }),
        inFlight: { step: 2, description: 'restart r1w2' },
      };
      const message =
        'answered but not remembered: main#2 was answered on r1w2 while restart r1w2 was under way; its message is missing from every later prompt';
      const asked = turn(3, {
        worker: 'r1w2',
        pid: 102,
        step: 3,
        expectations: [{ ...forgot('Miso', said), message, cause: 'lost-in-flight' }],
      });
      const steps = [turn(1), said, disruption(2, 'restart', 'r1w2'), asked];
      const [kept] = explainFailures({ steps, diagnosis: probe('✓✓✓✓✓✓✓✓') });
      expect(kept).toEqual({
        step: 3,
        label: 'main#3',
        crossing: ['RS'],
        rows: ['10'],
        text: `main#3: ${message}`,
      });
      const [lost] = explainFailures({ steps, diagnosis: probe('✓✗✗✗✗✗✗✗') });
      expect(lost?.rows).toEqual(['2']);
    });
  });
});
