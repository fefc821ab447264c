import path from 'node:path';
import type { RecordedLlmRequest } from '../llm/index.ts';
import type { SourceLocation } from '../scenario/types.ts';
import type { WorkerChange } from '../topology/types.ts';
import type {
  ExpectationResult,
  Leak,
  RunResult,
  ScenarioResult,
  ScenarioStatus,
  TurnRecord,
  VacuousRecall,
} from '../types/results.ts';
import { brief, firstLine, oneLine, plural, quoted } from '../util/text.ts';

export const turnsOf = (s: ScenarioResult): TurnRecord[] =>
  s.steps.filter((x): x is TurnRecord => x.kind === 'turn');

export const failedOf = (t: TurnRecord): ExpectationResult[] => t.expectations.filter((e) => !e.passed);

/** Turns that did not pass, in order. */
export const failedTurns = (s: ScenarioResult): TurnRecord[] => turnsOf(s).filter((t) => !t.passed);

/**
 * The failed turns whose evidence a report shows: all of them, but when the app never reached the
 * LLM (the scenario's error says so) only the first: the others repeat it.
 */
export function evidenceTurns(s: ScenarioResult): TurnRecord[] {
  const failed = failedTurns(s);
  return s.error?.code === 'AMNESIA_LLM_NEVER_REACHED' ? failed.slice(0, 1) : failed;
}

/** ` — stopped at scale; did not run: main#3, restart r1w1` after why a scenario stopped; empty when it ran to its end. */
export function notRunText(s: ScenarioResult): string {
  if (!s.stopped) return '';
  const { at, notRun } = s.stopped;
  return ` — stopped at ${at}${notRun.length > 0 ? `; did not run: ${notRun.join(', ')}` : ', its last step'}`;
}

/** The first failed expectation of the scenario, with its turn. */
export function firstFailure(
  s: ScenarioResult,
): { turn: TurnRecord; expectation: ExpectationResult } | undefined {
  for (const turn of failedTurns(s)) {
    const expectation = failedOf(turn)[0];
    if (expectation) return { turn, expectation };
  }
  return undefined;
}

/** The prompt the LLM answered last in this turn (the one a recall was judged on, most often). */
export function lastChatRequest(t: TurnRecord): RecordedLlmRequest | undefined {
  return t.llm.filter((r) => r.kind === 'chat').at(-1);
}

/** `scenarios/crash.yaml` for an absolute path under `cwd`; the path unchanged otherwise. */
export function relativeTo(file: string, cwd: string | undefined): string {
  if (!cwd || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** `scenarios/crash.yaml:14:5`: clickable in terminals and editors. */
export function formatLocation(at: SourceLocation, cwd?: string): string {
  return `${relativeTo(at.file, cwd)}:${at.line}:${at.column}`;
}

/** `recall "pineapple"`, `forget /tangerine/i`, `reply contains "fruit"`, `answered`. */
export function expectationText(e: ExpectationResult): string {
  switch (e.kind) {
    case 'recall':
    case 'forget':
      return `${e.kind} ${quoted(e.expected)}`;
    case 'recall_recent':
      return `recall ${e.expected}`;
    case 'reply':
      return `reply ${e.expected}`;
    case 'llm_called':
      return 'LLM called';
    case 'tool_result':
      return e.expected;
    case 'answered':
      return 'answered';
    case 'answer_kept':
      return `kept ${e.expected}`;
  }
}

/**
 * `alice#3 → r1w1 pid 4410 (after crash r1)`; in a container: `… pid 7 in container 3d5fb9e642a1`;
 * `(during outage of cache)`, `(during restart r1w2)`; `(at once with alice#4 on r2w1)`;
 * serverless: `(cold start)`.
 */
export function servedText(t: TurnRecord): string {
  const after = t.after.length > 0 ? ` (after ${t.after.map(shortDisruption).join(', ')})` : '';
  const during = t.during?.length ? ` (during ${t.during.join(', ')})` : '';
  const together = t.together?.length
    ? ` (at once with ${t.together.map((o) => `${o.label} on ${o.worker}`).join(', ')})`
    : '';
  const container = t.container ? ` in container ${t.container}` : '';
  const instance = t.instance ? ` (${t.instance} start)` : '';
  return `${t.label} → ${t.worker} pid ${t.pid}${container}${instance}${after}${during}${together}`;
}

/** `crash r1` of `crash r1 (SIGKILL, respawn on the same disk)`: the details are on the disruption's own line. */
function shortDisruption(description: string): string {
  return oneLine(description).replace(/\s*\(.*\)$/, '');
}

/** `said in main#1 (r1w1 pid 4310)`: where an expectation's fact was said. */
export function saidInText(e: ExpectationResult): string | undefined {
  if (!e.saidIn || e.saidIn.length === 0) return undefined;
  return `said in ${e.saidIn.map((s) => `${s.label} (${s.worker} pid ${s.pid})`).join(', ')}`;
}

/** `r1w1 4310→4410`, `r1w1 4310 stopped`, `r2w3 started 4500`, with the generation after a redeploy. */
export function changeText(c: WorkerChange, o: { generation?: boolean } = {}): string {
  const gen = o.generation && c.after ? ` gen ${c.after.generation}` : '';
  const moved =
    c.after?.container && c.after.container !== c.before?.container ? ` in ${c.after.container}` : '';
  if (c.before && c.after) return `${c.id} ${c.before.pid}→${c.after.pid}${gen}${moved}`;
  if (c.before) return `${c.id} ${c.before.pid} stopped`;
  if (c.after) return `${c.id} started ${c.after.pid}${gen}${moved}`;
  return c.id;
}

export function leakText(l: Leak): string {
  return `${l.from.label}'s message "${brief(l.text, 120)}" (said on ${l.from.worker}) reached the prompt of ${l.into.label} (on ${l.into.worker})`;
}

export function vacuousText(v: VacuousRecall): string {
  return `a fresh session asked "${brief(v.question, 120)}" already had ${quoted(v.expected)} in ${v.foundIn}: "${brief(v.excerpt, 160)}"`;
}

export type Tally = Record<ScenarioStatus, number>;

export function tally(r: RunResult): Tally {
  const t: Tally = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const s of r.scenarios) t[s.status]++;
  return t;
}

/** `3 scenarios: 2 passed, 1 failed, 0 errors` (skipped only when some were, and why). */
export function totalsText(r: RunResult): string {
  const t = tally(r);
  const skipped = t.skipped > 0 ? `, ${t.skipped} skipped${r.skipped ? ` (${r.skipped})` : ''}` : '';
  return `${plural(r.scenarios.length, 'scenario')}: ${t.passed} passed, ${t.failed} failed, ${plural(t.error, 'error')}${skipped}`;
}

/** Scenarios a reader must look at, leaks first (a leak outranks every other verdict), then in run order. */
export function notPassing(r: RunResult): ScenarioResult[] {
  const bad = r.scenarios.filter((s) => s.status === 'failed' || s.status === 'error');
  return [...bad.filter((s) => s.leaks.length > 0), ...bad.filter((s) => s.leaks.length === 0)];
}

/**
 * `replicas share /srv/shared (app.env.MEMORY_DIR): as if on a network volume, …`: said once per
 * report, so that a green run is never silently a false one.
 */
function sharedPathsText(r: RunResult): string | undefined {
  const shared = r.sharedPaths ?? [];
  if (shared.length === 0) return undefined;
  const list = shared.map((s) => `${s.path} (app.env.${s.env})`).join(', ');
  return `replicas share ${list}: as if on a network volume, so a cross-replica scenario can pass here where a production without one would lose what the app keeps there`;
}

/**
 * `each replica has its own copy of <app>/sessions (app.env.SESSIONS_DIR), inside the app folder: …`:
 * a path in the app folder is never one folder the replicas share.
 */
function appFolderPathsText(r: RunResult): string | undefined {
  const own = r.appFolderPaths ?? [];
  if (own.length === 0) return undefined;
  const list = own.map((s) => `${s.path} (app.env.${s.env})`).join(', ');
  return `each replica has its own copy of ${list}, inside the app folder: what one replica writes there the others never see; for one folder all replicas share, use {{shared_dir}}`;
}

/**
 * What a reader should know besides the verdicts, once per report: what about the config makes a
 * verdict read differently (shared paths, paths inside the app folder), then each scenario's notes
 * (`short 1: the app left a daemon running …`), repeated notes said once.
 */
export function runNotes(r: RunResult): string[] {
  const config = [sharedPathsText(r), appFolderPathsText(r)].filter((t) => t !== undefined);
  const notes = r.scenarios.flatMap((s) => (s.notes ?? []).map((n) => `${oneLine(s.name)}: ${n}`));
  return [...config, ...new Set(notes)];
}

/** The first line of the scenario's error, or what made it an error. */
export function errorHeadline(s: ScenarioResult): string {
  if (s.error) return brief(firstLine(s.error.message), 160) || s.error.code;
  const v = s.vacuous[0];
  if (v)
    return `${plural(s.vacuous.length, 'vacuous recall')}: "${brief(v.expected, 60)}" is already in a fresh session's prompt`;
  return 'the scenario could not be judged';
}
