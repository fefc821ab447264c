/**
 * Hand-built results for the renderers' tests: what the engine produces, with fixed pids, times
 * and paths (the project lives at `/repo`).
 */
import type { RecordedLlmRequest } from '../../src/llm/index.ts';
import type { SourceLocation } from '../../src/scenario/types.ts';
import type { WorkerId } from '../../src/scenario/workers.ts';
import type {
  DisruptionStepRecord,
  ExpectationResult,
  RunResult,
  ScenarioResult,
  TurnRecord,
} from '../../src/types/results.ts';
import { diagnose } from '../../src/verdict/diagnosis.ts';
import { explainFailures } from '../../src/verdict/explain.ts';

export const CWD = '/repo';
const T0 = 1_735_732_800_000; // 2025-01-01T12:00:00Z
const RUN_ID = '20250101-c0ffee';
const SYSTEM = 'You are a helpful assistant. Answer in one sentence.';

const at = (file: string, line: number, column = 5): SourceLocation => ({
  file: `${CWD}/${file}`,
  line,
  column,
});

let seq = 0;
/** A chat request as the mock LLM records it (with the default reply that never repeats user text). */
export function chatRequest(
  scope: string,
  worker: WorkerId,
  turnId: string,
  messages: { role: string; content: string }[],
  reply: string,
): RecordedLlmRequest {
  seq++;
  return {
    seq,
    at: T0 + seq * 100,
    scope,
    worker,
    turnId,
    kind: 'chat',
    method: 'POST',
    path: '/chat/completions',
    stream: false,
    messages,
    input: [],
    body: { model: 'gpt-4o-mini', messages, temperature: 0 },
    status: 200,
    reply,
  };
}

interface TurnInput {
  step: number;
  line: number;
  session: string;
  n: number;
  user: string;
  worker: WorkerId;
  pid: number;
  after?: string[];
  history?: { role: string; content: string }[];
  expectations?: ExpectationResult[];
  incarnation?: number;
  latencyMs?: number;
}

function turn(file: string, slug: string, t: TurnInput): TurnRecord {
  const label = `${t.session}#${t.n}`;
  const turnId = `${slug}/t${t.step + 1}`;
  const messages = [
    { role: 'system', content: SYSTEM },
    ...(t.history ?? []),
    { role: 'user', content: t.user },
  ];
  const reply = `ack ${label}`;
  const expectations = t.expectations ?? [];
  return {
    kind: 'turn',
    step: t.step,
    at: at(file, t.line),
    session: t.session,
    sessionId: `${RUN_ID}-${slug}-${t.session}`,
    label,
    user: t.user,
    worker: t.worker,
    replica: Number(t.worker.slice(1, t.worker.indexOf('w'))),
    pid: t.pid,
    generation: 1,
    incarnation: t.incarnation ?? 1,
    reason: t.after?.length
      ? 'spread: first turn after a disruption goes to a disrupted worker'
      : 'spread: next in order',
    after: t.after ?? [],
    startedAt: T0 + t.step * 1000,
    latencyMs: t.latencyMs ?? 84,
    status: 200,
    reply,
    llm: [chatRequest(slug, t.worker, turnId, messages, reply)],
    expectations,
    passed: expectations.every((e) => e.passed),
  };
}

function scenario(
  s: Pick<ScenarioResult, 'name' | 'slug' | 'status' | 'steps'> & Partial<ScenarioResult> & { file: string },
): ScenarioResult {
  return {
    tags: [],
    topology: { replicas: 2, workers: 2 },
    routing: 'spread',
    seed: 42,
    leaks: [],
    vacuous: [],
    unattributed: [],
    startedAt: T0,
    durationMs: 1234,
    replay: `npx amnesia run ${s.file} --seed 42`,
    ...s,
    file: `${CWD}/${s.file}`,
    ...(s.status === 'passed' || s.status === 'skipped'
      ? {}
      : { artifactsDir: `${CWD}/.amnesia/runs/${RUN_ID}/${s.slug}` }),
  };
}

// ── a passing scenario ──────────────────────────────────────────────────────────────

const BASIC = 'scenarios/cross-worker.yaml';
export const passing: ScenarioResult = scenario({
  name: 'remembers the name across workers',
  slug: 'remembers-the-name-across-workers',
  file: BASIC,
  status: 'passed',
  durationMs: 1187,
  steps: [
    turn(BASIC, 'remembers-the-name-across-workers', {
      step: 0,
      line: 6,
      session: 'alice',
      n: 1,
      user: 'My name is Ada and I am building the Analytical Engine.',
      worker: 'r1w1',
      pid: 4301,
    }),
    turn(BASIC, 'remembers-the-name-across-workers', {
      step: 1,
      line: 7,
      session: 'alice',
      n: 2,
      user: 'What is my name?',
      worker: 'r2w1',
      pid: 4302,
      history: [
        { role: 'user', content: 'My name is Ada and I am building the Analytical Engine.' },
        { role: 'assistant', content: 'ack alice#1' },
      ],
      expectations: [
        {
          kind: 'recall',
          expected: 'Ada',
          passed: true,
          message: 'recalled "Ada" (said in alice#1 on r1w1)',
          at: at(BASIC, 9, 15),
          saidIn: [{ label: 'alice#1', worker: 'r1w1', pid: 4301, step: 0 }],
        },
      ],
    }),
  ],
});

// ── a forgotten recall after a crash: 2 × 2, two sessions, row 2 ───────────────────

const CRASH = 'scenarios/two-sessions.yaml';
const CRASH_SLUG = 'two-sessions-stay-apart';
const crashDescription = 'crash r1 (SIGKILL, respawn on the same disk)';
export const crashStep: DisruptionStepRecord = {
  kind: 'disruption',
  step: 2,
  at: at(CRASH, 10),
  type: 'crash',
  description: crashDescription,
  changes: [
    {
      id: 'r1w1',
      before: { pid: 4310, exit: { code: null, signal: 'SIGKILL' }, forced: true },
      after: { pid: 4410, generation: 1, bootMs: 188 },
    },
    {
      id: 'r1w2',
      before: { pid: 4312, exit: { code: null, signal: 'SIGKILL' }, forced: true },
      after: { pid: 4412, generation: 1, bootMs: 195 },
    },
  ],
  durationMs: 212.4,
  topology: { replicas: 2, workers: 2 },
};

const forgot = (
  expected: string,
  line: number,
  said: { label: string; worker: WorkerId; pid: number; step: number },
) => ({
  kind: 'recall' as const,
  expected,
  passed: false,
  message: `forgot "${expected}": said in ${said.label} on ${said.worker}, missing from what the app sent the LLM`,
  at: at(CRASH, line, 22),
  saidIn: [said],
});
const keptOut = (expected: string, line: number) => ({
  kind: 'forget' as const,
  expected,
  passed: true,
  message: `"${expected}" kept out of the prompt`,
  at: at(CRASH, line, 37),
});

export const failing: ScenarioResult = scenario({
  name: 'two sessions stay apart',
  slug: CRASH_SLUG,
  file: CRASH,
  description:
    "Two users talk at once across workers and a crash; each one's facts reach only their own prompts.",
  tags: ['isolation'],
  status: 'failed',
  durationMs: 3456,
  steps: [
    turn(CRASH, CRASH_SLUG, {
      step: 0,
      line: 8,
      session: 'alice',
      n: 1,
      user: 'My secret word is pineapple.',
      worker: 'r1w1',
      pid: 4310,
    }),
    turn(CRASH, CRASH_SLUG, {
      step: 1,
      line: 9,
      session: 'bob',
      n: 1,
      user: 'My secret word is tangerine.',
      worker: 'r2w1',
      pid: 4311,
    }),
    crashStep,
    turn(CRASH, CRASH_SLUG, {
      step: 3,
      line: 11,
      session: 'alice',
      n: 2,
      user: 'What is my secret word?',
      worker: 'r1w1',
      pid: 4410,
      incarnation: 2,
      after: [crashDescription],
      latencyMs: 97,
      expectations: [
        forgot('pineapple', 13, { label: 'alice#1', worker: 'r1w1', pid: 4310, step: 0 }),
        keptOut('tangerine', 13),
      ],
    }),
    turn(CRASH, CRASH_SLUG, {
      step: 4,
      line: 14,
      session: 'bob',
      n: 2,
      user: 'What is my secret word?',
      worker: 'r2w2',
      pid: 4313,
      after: [crashDescription],
      latencyMs: 91,
      expectations: [
        forgot('tangerine', 16, { label: 'bob#1', worker: 'r2w1', pid: 4311, step: 1 }),
        keptOut('pineapple', 16),
      ],
    }),
  ],
  diagnosis: {
    rungs: [
      { rung: 'SW', kept: true },
      { rung: 'OW', kept: false },
      { rung: 'OR', kept: false },
      { rung: 'RS', kept: false },
      { rung: 'CR', kept: false },
      { rung: 'RD', kept: false },
    ],
    signature: 'SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗',
    rows: [{ id: '2', cause: 'per-session memory in a process-global map' }],
    advice: "state lives in one process's RAM: move it to a shared store",
    reproduced: true,
  },
});
failing.explanations = explainFailures(failing);

// ── an app that could not start ─────────────────────────────────────────────────────

export const erroring: ScenarioResult = scenario({
  name: 'survives a rolling redeploy',
  slug: 'survives-a-rolling-redeploy',
  file: 'scenarios/rolling-redeploy.yaml',
  status: 'error',
  durationMs: 412,
  steps: [],
  error: {
    code: 'AMNESIA_APP_EXITED',
    message: [
      'worker r1w1 exited with code 1 before GET /healthz answered (after 0.4 s).',
      'Last 3 output lines (.amnesia/runs/20250101-c0ffee/survives-a-rolling-redeploy/logs/r1w1.log):',
      "  Error: Cannot find module 'redis'",
      '      at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)',
      '  Node.js v24.21.0',
    ].join('\n'),
  },
});

/** Three scenarios: passed, failed (row 2), error (the app could not start). */
export const run: RunResult = {
  runId: RUN_ID,
  seed: 42,
  startedAt: T0,
  durationMs: 12_345,
  exitCode: 2,
  scenarios: [passing, failing, erroring],
  configFile: `${CWD}/amnesia.config.yaml`,
};

// ── a leak, and a vacuous recall ────────────────────────────────────────────────────

const LEAK = 'scenarios/leak.yaml';
const LEAK_SLUG = 'secrets-stay-with-their-owner';
const bobSecret = 'My token is <b>&"x\'</b>\u0007 — ping @octocat; see #3';
export const leaking: ScenarioResult = scenario({
  name: 'secrets stay with their owner',
  slug: LEAK_SLUG,
  file: LEAK,
  status: 'failed',
  topology: { replicas: 1, workers: 2 },
  steps: [
    turn(LEAK, LEAK_SLUG, {
      step: 0,
      line: 4,
      session: 'bob',
      n: 1,
      user: bobSecret,
      worker: 'r1w1',
      pid: 5001,
    }),
    turn(LEAK, LEAK_SLUG, {
      step: 1,
      line: 5,
      session: 'alice',
      n: 1,
      user: 'What is my token? Answer with <tags> & "quotes"; or ]]> if unsure.',
      worker: 'r1w2',
      pid: 5002,
      history: [
        { role: 'user', content: bobSecret },
        { role: 'assistant', content: 'ack bob#1' },
      ],
      expectations: [
        {
          kind: 'forget',
          expected: '/token is/i',
          passed: false,
          message: '/token is/i reached the LLM but must not',
          at: at(LEAK, 7, 17),
        },
      ],
    }),
  ],
  leaks: [
    {
      from: { session: 'bob', label: 'bob#1', worker: 'r1w1', step: 0 },
      into: { session: 'alice', label: 'alice#1', worker: 'r1w2', step: 1 },
      text: bobSecret,
    },
  ],
  diagnosis: diagnose(
    [
      { rung: 'SW', kept: true },
      { rung: 'OW', kept: true },
      { rung: 'OR', kept: null, note: 'skipped: needs 2 replicas' },
      { rung: 'RS', kept: true },
      { rung: 'CR', kept: false },
      { rung: 'RD', kept: false },
    ],
    { leak: true, scenarioFailed: true },
  ),
});

const VAC = 'scenarios/same-worker.yaml';
export const vacuous: ScenarioResult = scenario({
  name: 'remembers on the same worker',
  slug: 'remembers-on-the-same-worker',
  file: VAC,
  status: 'error',
  topology: { replicas: 1, workers: 1 },
  steps: [],
  vacuous: [
    {
      expected: 'Ada',
      at: at(VAC, 9, 17),
      question: 'What is my name?',
      foundIn: 'the system message',
      excerpt: 'You are the assistant of Ada Lovelace, who builds the Analytical Engine.',
    },
  ],
});

/** A failing scenario, then one that leaked, then a vacuous one: the summary must put the leak first. */
export const isolationRun: RunResult = {
  runId: '20250101-beef01',
  seed: 7,
  startedAt: T0,
  durationMs: 4321,
  exitCode: 2,
  scenarios: [failing, leaking, vacuous],
};
