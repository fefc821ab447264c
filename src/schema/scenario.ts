import { z } from 'zod';
import {
  count,
  duration,
  LIMITS,
  routing,
  seed,
  sessionName,
  target,
  textList,
  textOrRegex,
  textOrRegexList,
  topology,
} from './primitives.ts';

const jsonCheck = z
  .strictObject({
    path: z
      .string({ error: 'expected a JSON path such as `$.answer`' })
      .regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/, {
        error: 'expected a JSON path such as `$.answer` or `$.items[0].name`',
      })
      .describe('Where in the JSON reply to look, e.g. `$.answer` or `$.items[0].name`.'),
    equals: z.unknown().optional().describe('The value at the path must equal this (any JSON value).'),
    contains: z.string().optional().describe('The value at the path, as text, must contain this.'),
    matches: textOrRegex.optional().describe('The value at the path, as text, must match this /regex/.'),
    exists: z.boolean().optional().describe('The path must exist (true) or be absent (false).'),
  })
  .describe('A check on a structured (JSON) reply.');

export const replyExpect = z
  .union(
    [
      z.string(),
      z.strictObject({
        contains: textList.optional().describe('The reply must contain each of these texts.'),
        not_contains: textList.optional().describe('The reply must contain none of these texts.'),
        matches: textOrRegex.optional().describe('The reply must match this /regex/ (or contain this text).'),
        equals: z.string().optional().describe('The reply must be exactly this text (trimmed).'),
        json: z
          .union([jsonCheck, z.array(jsonCheck).min(1)], { error: 'expected a JSON check or a list of them' })
          .optional()
          .describe('Checks on a structured (JSON) reply: one, or a list that must all hold.'),
      }),
    ],
    {
      error:
        'expected a text the reply must contain, or a map with contains / not_contains / matches / equals / json',
    },
  )
  .describe("Checks on the app's answer. A plain text means `contains`.");

export const expectBlock = z
  .strictObject({
    recall: textOrRegexList
      .optional()
      .describe(
        'Must appear in what the app sent the LLM for this turn (its own user message excluded): proves an earlier turn was remembered.',
      ),
    forget: textOrRegexList
      .optional()
      .describe(
        'Must NOT appear in what the app sent the LLM for this turn: deliberate clears, isolation between sessions.',
      ),
    recall_recent: count('recall_recent', 1, 1000)
      .optional()
      .describe(
        'The previous N user messages of this session must all be in the LLM prompt; older ones may have been trimmed (a token-limited history).',
      ),
    reply: replyExpect.optional(),
    error: z
      .union([z.boolean(), z.literal('allowed')], {
        error:
          'expected true (the app must fail this turn), false (it must answer, the default) or `allowed` (either)',
      })
      .optional()
      .describe(
        'true: the app must fail this turn (an error status, a refused connection or a timeout), e.g. during an `outage` of a backend it cannot do without. `allowed`: it may fail or answer, e.g. a turn in flight during a restart (`during:`); an answered turn must still be remembered.',
      ),
  })
  .refine(
    (e) =>
      !(
        e.error === true &&
        (e.recall !== undefined || e.recall_recent !== undefined || e.reply !== undefined)
      ),
    {
      error:
        'a turn that must fail has no answer to check: drop `recall`, `recall_recent` and `reply`, or `error: true`',
    },
  )
  .describe('What must be true of this turn.');

const llmToolCall = z
  .strictObject({
    tool_call: z
      .strictObject({
        name: z
          .string({ error: 'expected the name of a tool the app offers the model' })
          .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a tool name is 1 to 64 letters, digits, `_` or `-`' })
          .describe('The tool (function) the model calls, as the app declared it.'),
        arguments: z
          .record(z.string(), z.unknown(), { error: 'expected the arguments as a map (`{ fact: "…" }`)' })
          .optional()
          .describe('Its arguments (sent as JSON), e.g. `{ fact: "my dog is Rex" }`.'),
      })
      .describe('A tool call the model makes; the script goes on once the app sent its result back.'),
  })
  .describe('The model calls a tool.');

const llmText = z
  .strictObject({
    text: z.string({ error: 'expected the text the model answers' }).describe('What the model answers.'),
  })
  .describe('The model answers this text (the last step).');

const llmScript = z
  .array(
    z.union([llmToolCall, llmText], { error: 'expected `- tool_call: { name, arguments }` or `- text: …`' }),
    {
      error:
        'expected a list of steps: `- tool_call: { name: save_memory, arguments: { fact: … } }`, then `- text: …`',
    },
  )
  .min(1, { error: 'script at least one step, or drop `llm`' })
  .max(20, { error: 'a turn scripts at most 20 LLM steps' })
  .refine((steps) => steps.every((step, i) => !('text' in step) || i === steps.length - 1), {
    error: 'a `text` step ends the script: put it last (tool calls come first, each answered by the app)',
  })
  .describe(
    "What the mock LLM answers in this turn, in order, on whichever API the app speaks: tool calls (each one once the app sent the previous one's result back), then an optional final `text` (else the default reply). The turn fails if the app never sends a scripted call's result back to the model.",
  );

export const turnStep = z
  .strictObject({
    user: z
      .string({ error: 'expected the text the user says' })
      .refine((s) => s.trim().length > 0, { error: 'a turn needs text: the user says nothing' })
      .refine((s) => s.length <= LIMITS.turnChars, {
        error: `a turn is at most ${LIMITS.turnChars} characters`,
      })
      .describe('What the user says in this turn.'),
    session: sessionName
      .optional()
      .describe('Which chat session says it (default `main`). Each session has its own id and cookies.'),
    on: target
      .refine((t) => t !== 'all', {
        error: 'a turn goes to one place: a replica such as `r2` or a worker such as `r2w1`',
      })
      .optional()
      .describe('Pin this turn to a replica (`r2`) or a worker (`r2w1`) instead of the routing rule.'),
    expect: expectBlock.optional(),
    llm_reply: z
      .string()
      .optional()
      .describe(
        'What the mock LLM answers for this turn (default: a reply that names turns, never user text).',
      ),
    llm: llmScript.optional(),
  })
  .refine((t) => !(t.llm_reply !== undefined && t.llm !== undefined), {
    error:
      'a turn scripts its LLM answer once: `llm_reply` (one text) or `llm` (tool calls, then a text), not both',
    path: ['llm'],
  })
  .describe('A user turn.');

const turnsInFlight = z
  .array(turnStep, { error: 'expected a list of user turns (`- user: …`)' })
  .min(1, { error: 'name at least one turn to have in flight' })
  .max(LIMITS.processes, { error: `at most ${LIMITS.processes} turns can be in flight at once` })
  .describe(
    'User turns sent just before the disruption and still in flight when it starts: each is held at its first LLM request until the disruption has signalled its worker (or, on a worker it does not stop, its first worker). Each goes to its own worker (by default one the disruption hits).',
  );

const disruptionTarget = target.describe(
  '`all` (default), a replica such as `r2`, or a worker such as `r2w1`.',
);

export const restartStep = z
  .strictObject({
    restart: z
      .union(
        [
          z.null(),
          disruptionTarget,
          z.strictObject({
            target: disruptionTarget.optional(),
            grace: duration('grace', 60_000).optional(),
          }),
        ],
        {
          error:
            'expected nothing (every worker), a target such as `r1` or `r1w2`, or a map with target and grace',
        },
      )
      .describe(
        'Graceful restart: SIGTERM, wait up to the grace period, SIGKILL, start again on the same disk.',
      ),
    during: turnsInFlight.optional(),
  })
  .describe('Restart workers gracefully.');

export const crashStep = z
  .strictObject({
    crash: z
      .union([z.null(), disruptionTarget, z.strictObject({ target: disruptionTarget.optional() })], {
        error: 'expected nothing (every worker), or a target such as `r1` or `r1w2`',
      })
      .describe('SIGKILL, then respawned on the same disk, as a supervisor would.'),
    during: turnsInFlight.optional(),
  })
  .describe('Crash workers (kill -9).');

const redeployStrategy = z.enum(['rolling', 'at-once'], { error: 'expected `rolling` or `at-once`' });
const replicaTarget = z.string().regex(/^(all|r[1-9]\d*)$/, {
  error: 'a redeploy replaces whole replicas: expected `all` or a replica such as `r2`',
});

export const redeployStep = z
  .strictObject({
    redeploy: z
      .union(
        [
          z.null(),
          redeployStrategy,
          replicaTarget,
          z.strictObject({
            strategy: redeployStrategy
              .optional()
              .describe('`rolling` (default): one replica at a time; `at-once`: every target together.'),
            target: replicaTarget.optional().describe('`all` (default) or a replica such as `r2`.'),
          }),
        ],
        {
          error:
            'expected nothing (rolling, every replica), `rolling`, `at-once`, a replica such as `r2`, or a map with strategy and target',
        },
      )
      .describe(
        'New processes on a fresh copy of the app folder and data dir. `rolling` (default): one replica at a time while the others serve.',
      ),
    during: turnsInFlight.optional(),
  })
  .describe('Redeploy replicas on fresh disks.');

export const scaleStep = z
  .strictObject({
    scale: z
      .strictObject({
        replicas: count('replicas', 1, LIMITS.replicas).optional().describe('Replicas after the step.'),
        workers: count('workers', 1, LIMITS.workers)
          .optional()
          .describe('Workers per replica after the step.'),
      })
      .refine((s) => s.replicas !== undefined || s.workers !== undefined, {
        error: 'say how many `replicas` or `workers` to scale to',
      })
      .describe(
        'Scale to this many replicas and/or workers per replica. New ones start on fresh disks; removed ones stop gracefully.',
      ),
  })
  .describe('Scale the topology up or down.');

export const waitStep = z
  .strictObject({ wait: duration('wait', LIMITS.waitMs).describe('How long to wait, e.g. `2s`.') })
  .describe('Wait (for TTLs, background jobs).');

const SERVICE = 'The service, by its name under `services:` in amnesia.config.yaml.';
const serviceName = z
  .string({ error: 'expected the name of a service in amnesia.config.yaml `services:`' })
  .regex(/^[A-Za-z][\w-]*$/, { error: 'a service name is letters, digits, `_` or `-`' });

export const restartServiceStep = z
  .strictObject({
    restart_service: z
      .union(
        [
          serviceName,
          z.strictObject({
            service: serviceName.describe(SERVICE),
            grace: duration('grace', 60_000).optional(),
          }),
        ],
        { error: 'expected a service name, or a map with `service` and `grace`' },
      )
      .describe(
        'Stop the service gracefully (SIGTERM, up to the grace period, default 5s) and start it again on the same data: what it persists survives.',
      ),
  })
  .describe('Restart a backend service.');

export const outageStep = z
  .strictObject({
    outage: z
      .strictObject({
        service: serviceName.describe(SERVICE),
        for: duration('for', LIMITS.waitMs).describe('How long the service stays down, e.g. `3s`.'),
      })
      .describe(
        'Stop the service now and start it again (same data) once `for` has passed: turns in between run during the outage; any step that starts after it waits until the service is back.',
      ),
  })
  .describe('Take a backend service down for a while.');

export const wipeServiceStep = z
  .strictObject({
    wipe_service: serviceName.describe(
      'Start the service again on empty data (a flushed cache, a lost database): the app must recover from elsewhere, or forget.',
    ),
  })
  .describe('Wipe the data of a backend service.');

export const togetherStep = z
  .strictObject({
    together: z
      .array(turnStep, { error: 'expected a list of user turns (`- user: …`) to send at once' })
      .min(2, { error: 'a `together` step sends at least two turns at once' })
      .max(LIMITS.processes, { error: `at most ${LIMITS.processes} turns can be sent at once` })
      .describe(
        'User turns sent at the same moment (same or different sessions), each to its own worker: each is held at its first LLM request until every one of them has reached the LLM, so that they really overlap. Later turns can recall what each said.',
      ),
  })
  .describe('Send several user turns at once (a double submit, a second tab).');

/** Step kinds, by the one key that names them. */
export const STEP_KINDS = {
  user: turnStep,
  together: togetherStep,
  restart: restartStep,
  crash: crashStep,
  redeploy: redeployStep,
  scale: scaleStep,
  wait: waitStep,
  restart_service: restartServiceStep,
  outage: outageStep,
  wipe_service: wipeServiceStep,
} as const;

/** Disruptions that may be written as a bare word: `- restart`. */
export const BARE_STEPS = ['restart', 'crash', 'redeploy'] as const;

export const step = z.union(
  [
    turnStep,
    togetherStep,
    restartStep,
    crashStep,
    redeployStep,
    scaleStep,
    waitStep,
    restartServiceStep,
    outageStep,
    wipeServiceStep,
    z.enum(BARE_STEPS).describe('A disruption with its defaults.'),
  ],
  {
    error:
      'a step is a user turn (`user: …`), turns at once (`together: […]`), a disruption (`restart`, `crash`, `redeploy`, `scale`, `wait`) or a service fault (`restart_service`, `outage`, `wipe_service`)',
  },
);

export const scenarioFile = z
  .strictObject({
    name: z
      .string({ error: 'expected the scenario name' })
      .refine((s) => s.trim().length > 0, { error: 'the name must not be empty' })
      .describe('A unique name; reports and test names use it.'),
    description: z.string().optional().describe('What this scenario proves, for the reader of a report.'),
    tags: z
      .array(z.string({ error: 'a tag is a text' }))
      .optional()
      .describe('Labels to select scenarios with `--tags`.'),
    topology: topology.optional(),
    routing: routing.optional(),
    seed: seed.optional(),
    timeout: duration('timeout', LIMITS.turnTimeoutMs)
      .optional()
      .describe('Per-turn timeout for this scenario.'),
    steps: z
      .array(step, { error: 'expected a list of steps (`- user: …`)' })
      .min(1, { error: 'a scenario needs at least one step' })
      .describe('User turns and disruptions, in order.'),
  })
  .describe('An amnesia scenario: one multi-turn conversation and what must be remembered.');

export type ScenarioFile = z.infer<typeof scenarioFile>;
export type TurnStepInput = z.infer<typeof turnStep>;
export type ReplyExpectInput = z.infer<typeof replyExpect>;
