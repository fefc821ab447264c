import { DISRUPTION_KINDS, DISRUPTIONS, type Disruption, type DisruptionKind } from '../disruptions/index.ts';
import type { DisruptionSpec } from '../disruptions/spec.ts';
import type { SourceDocument } from '../schema/document.ts';
import { parseDuration } from '../schema/primitives.ts';
import type { ReplyExpectInput, TurnStepInput } from '../schema/scenario.ts';
import { createMatcher } from './matcher.ts';
import type { ScenarioFile } from './schema.ts';
import { resolveTopology } from './topology.ts';
import type {
  DisruptionStep,
  Expectations,
  JsonCheck,
  Matcher,
  ReplyExpectations,
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
    if (typeof s === 'string') return disruption({ [s]: null }, s, i, here);
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
    const kind = DISRUPTION_KINDS.find((k) => k in s) as DisruptionKind;
    return { ...disruption(s, kind, i, here), ...inFlight('during' in s ? s.during : undefined, i) };
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

/** A disruption step of its kind (src/disruptions/), from its schema's output. */
function disruption(input: object, kind: DisruptionKind, step: number, at: SourceLocation): DisruptionStep {
  const spec = DISRUPTIONS[kind] as unknown as DisruptionSpec<Disruption>;
  return { ...spec.normalize(input), kind, step, at } as DisruptionStep;
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
