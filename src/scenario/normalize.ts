import type { SourceDocument } from '../schema/document.ts';
import { parseDuration } from '../schema/primitives.ts';
import type { ReplyExpectInput, ScenarioFile, TurnStepInput } from '../schema/scenario.ts';
import { createMatcher } from './matcher.ts';
import { resolveTopology } from './topology.ts';
import type {
  CrashStep,
  Expectations,
  JsonCheck,
  Matcher,
  RedeployStep,
  ReplyExpectations,
  RestartStep,
  Scenario,
  SourceLocation,
  Step,
  TurnStep,
} from './types.ts';
import { parseTarget } from './types.ts';

export const DEFAULT_SESSION = 'main';

/** Validated YAML data → the typed, positioned scenario the engine runs. */
export function normalizeScenario(src: SourceDocument, raw: ScenarioFile): Scenario {
  const at = (path: PropertyKey[]): SourceLocation => ({ file: src.file, ...src.position(path) });
  const sessions: string[] = [];
  const turnsPerSession = new Map<string, number>();
  const turn = (
    s: TurnStepInput,
    step: number,
    path: PropertyKey[],
    nested?: TurnStep['nested'],
  ): TurnStep => {
    const session = s.session ?? DEFAULT_SESSION;
    if (!sessions.includes(session)) sessions.push(session);
    const n = (turnsPerSession.get(session) ?? 0) + 1;
    turnsPerSession.set(session, n);
    return {
      kind: 'turn',
      step,
      session,
      turn: n,
      user: s.user,
      ...(s.on ? { pin: parseTarget(s.on) } : {}),
      expect: expectations(s, (p) => at([...path, 'expect', ...p])),
      ...(s.llm_reply !== undefined ? { llmReply: s.llm_reply } : {}),
      ...(s.llm !== undefined
        ? {
            llmScript: s.llm.map((x) =>
              'text' in x
                ? { text: x.text }
                : {
                    toolCall: {
                      name: x.tool_call.name,
                      ...(x.tool_call.arguments ? { arguments: x.tool_call.arguments } : {}),
                    },
                  },
            ),
          }
        : {}),
      ...(nested ? { nested } : {}),
      at: at(path),
    };
  };
  const inFlight = (list: TurnStepInput[] | undefined, i: number) =>
    list
      ? { during: list.map((t, k) => turn(t, i, ['steps', i, 'during', k], { in: 'during', index: k })) }
      : {};
  const steps: Step[] = raw.steps.map((s, i): Step => {
    const here = at(['steps', i]);
    if (typeof s === 'string') return disruption(s, null, i, here);
    if ('user' in s) return turn(s, i, ['steps', i]);
    if ('together' in s)
      return {
        kind: 'together',
        step: i,
        turns: s.together.map((t, k) =>
          turn(t, i, ['steps', i, 'together', k], { in: 'together', index: k }),
        ),
        at: here,
      };
    if ('restart' in s) return { ...disruption('restart', s.restart, i, here), ...inFlight(s.during, i) };
    if ('crash' in s) return { ...disruption('crash', s.crash, i, here), ...inFlight(s.during, i) };
    if ('redeploy' in s) return { ...disruption('redeploy', s.redeploy, i, here), ...inFlight(s.during, i) };
    if ('scale' in s) return { kind: 'scale', step: i, ...s.scale, at: here };
    if ('restart_service' in s) {
      const r = s.restart_service;
      return typeof r === 'string'
        ? { kind: 'restart_service', step: i, service: r, at: here }
        : {
            kind: 'restart_service',
            step: i,
            service: r.service,
            ...(r.grace ? { graceMs: parseDuration(r.grace) } : {}),
            at: here,
          };
    }
    if ('outage' in s)
      return {
        kind: 'outage',
        step: i,
        service: s.outage.service,
        ms: parseDuration(s.outage.for),
        at: here,
      };
    if ('wipe_service' in s) return { kind: 'wipe_service', step: i, service: s.wipe_service, at: here };
    return { kind: 'wait', step: i, ms: parseDuration(s.wait), at: here };
  });
  return {
    file: src.file,
    name: raw.name.trim(),
    ...(raw.description ? { description: raw.description.trim() } : {}),
    tags: raw.tags ?? [],
    ...(raw.topology ? { topology: resolveTopology(raw.topology) } : {}),
    ...(raw.routing ? { routing: raw.routing } : {}),
    ...(raw.seed !== undefined ? { seed: raw.seed } : {}),
    ...(raw.timeout ? { turnTimeoutMs: parseDuration(raw.timeout) } : {}),
    steps,
    sessions,
    at: at(['name']),
  };
}

type DisruptionValue = null | string | { target?: string; grace?: string; strategy?: 'rolling' | 'at-once' };

function disruption(
  kind: 'restart' | 'crash' | 'redeploy',
  value: DisruptionValue,
  step: number,
  at: SourceLocation,
): RestartStep | CrashStep | RedeployStep {
  const obj = typeof value === 'object' && value !== null ? value : {};
  const word = typeof value === 'string' ? value : undefined;
  if (kind === 'redeploy') {
    const strategy = word === 'rolling' || word === 'at-once' ? word : (obj.strategy ?? 'rolling');
    const target = word && word !== 'rolling' && word !== 'at-once' ? word : (obj.target ?? 'all');
    return { kind, step, strategy, target: parseTarget(target), at };
  }
  const target = parseTarget(word ?? obj.target ?? 'all');
  if (kind === 'crash') return { kind, step, target, at };
  return { kind, step, target, ...(obj.grace ? { graceMs: parseDuration(obj.grace) } : {}), at };
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function matchers(
  v: string | string[] | undefined,
  key: string,
  at: (p: PropertyKey[]) => SourceLocation,
): Matcher[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [createMatcher(v, at([key]))];
  return v.map((s, j) => createMatcher(s, at([key, j])));
}

function expectations(s: TurnStepInput, at: (p: PropertyKey[]) => SourceLocation): Expectations {
  const e = s.expect ?? {};
  return {
    recall: matchers(e.recall, 'recall', at),
    forget: matchers(e.forget, 'forget', at),
    ...(e.recall_recent !== undefined
      ? { recallRecent: { count: e.recall_recent, at: at(['recall_recent']) } }
      : {}),
    ...(e.reply !== undefined ? { reply: replyExpectations(e.reply, (p) => at(['reply', ...p])) } : {}),
    ...(e.error === true || e.error === 'allowed' ? { error: e.error } : {}),
  };
}

function replyExpectations(r: ReplyExpectInput, at: (p: PropertyKey[]) => SourceLocation): ReplyExpectations {
  if (typeof r === 'string') return { contains: [r], notContains: [], json: [], at: at([]) };
  const json: JsonCheck[] = asList(r.json).map((j, i) => ({
    path: j.path,
    ...(j.equals !== undefined ? { equals: j.equals } : {}),
    ...(j.contains !== undefined ? { contains: j.contains } : {}),
    ...(j.matches !== undefined ? { matches: createMatcher(j.matches, at(['json', i, 'matches'])) } : {}),
    ...(j.exists !== undefined ? { exists: j.exists } : {}),
    at: at(Array.isArray(r.json) ? ['json', i] : ['json']),
  }));
  return {
    contains: asList(r.contains),
    notContains: asList(r.not_contains),
    ...(r.matches !== undefined ? { matches: createMatcher(r.matches, at(['matches'])) } : {}),
    ...(r.equals !== undefined ? { equals: r.equals } : {}),
    json,
    at: at([]),
  };
}
