import { parseWorkerId, type WorkerId, workerOrder } from '../scenario/workers.ts';
import type {
  DisruptionStepRecord,
  ExpectationResult,
  ScenarioResult,
  TurnRecord,
} from '../types/results.ts';
import { compileLinear } from '../util/linear-regex.ts';
import { brief, clip, oneLine, quoted } from '../util/text.ts';
import { failedOf, turnsOf } from './evidence.ts';

const ENTITIES: Record<string, string> = {
  '#': '#35;',
  ';': '#59;',
  '"': '#quot;',
  '<': '#lt;',
  '>': '#gt;',
  '&': '#amp;',
  // `%%{init: …}%%` is a directive wherever it appears in the text, and `%%` starts a comment.
  '%': '#37;',
};

/**
 * A Mermaid label that cannot break the diagram: one line, cut to `max` characters, and the
 * characters Mermaid reads as syntax written as its entity codes (`#` → `#35;`, `;` → `#59;`, …).
 */
export function mermaidText(text: string, max = 60): string {
  let out = '';
  for (const ch of clip(oneLine(text), max)) out += ENTITIES[ch] ?? ch;
  return out;
}

export interface TimelineOptions {
  /** Steps drawn at most; a longer scenario is drawn around its first failed turn. @default 60 */
  maxSteps?: number;
}

/**
 * The scenario as a Mermaid `sequenceDiagram` (without the Markdown fence): a participant per
 * session, then per worker in routing order; each turn an arrow session → worker, each
 * disruption a note over the workers it changed; turns that said a fact a failed recall expects
 * are marked `said "…"`, and failed turns sit in a red `rect` with what they lost.
 */
export function mermaidTimeline(s: ScenarioResult, o: TimelineOptions = {}): string {
  const { maxSteps = 60 } = o;
  const turns = turnsOf(s);
  const sessions = [...new Set(turns.map((t) => t.session))];
  const sessionIds = new Map(sessions.map((name, i) => [name, `s${i + 1}`]));
  const workers = workersOf(s);
  const said = saidMarks(turns);

  const lines = ['sequenceDiagram'];
  for (const name of sessions)
    lines.push(`  participant ${sessionIds.get(name)} as ${mermaidText(name, 30)}`);
  for (const w of workers) lines.push(`  participant ${w}`);

  const { from, to } = window(s, maxSteps);
  const span = workers.length > 1 ? `${workers[0]},${workers.at(-1)}` : (workers[0] ?? 's1');
  if (from > 0) lines.push(`  Note over ${span}: ${from} earlier steps not drawn`);
  for (const step of s.steps.slice(from, to)) {
    if (step.kind === 'disruption') {
      lines.push(`  Note over ${noteSpan(step, workers) ?? span}: ${mermaidText(step.description)}`);
      continue;
    }
    const leakedFrom = s.leaks
      .filter((l) => l.from.step === step.step)
      .map((l) => `leaked into ${l.into.label}`);
    const leakedInto = s.leaks
      .filter((l) => l.into.step === step.step)
      .map((l) => `✗ leak from ${l.from.label}`);
    const marks = [
      ...(said.get(step.step) ?? []).map((e) => `said ${quoted(clip(e, 24))}`),
      ...leakedFrom,
      ...leakedInto,
      ...lostMarks(step),
    ];
    const label = mermaidText([step.label, ...marks].join(' '), 100);
    const arrow = `  ${sessionIds.get(step.session)}->>${step.worker}: ${label}`;
    if (step.passed && leakedInto.length === 0) lines.push(arrow);
    else lines.push('  rect rgb(255,220,220)', `  ${arrow}`, '  end');
  }
  if (to < s.steps.length) lines.push(`  Note over ${span}: ${s.steps.length - to} later steps not drawn`);
  return lines.join('\n');
}

/** Every worker the scenario had or touched, in routing order (worker 1 of each replica, then worker 2…). */
function workersOf(s: ScenarioResult): WorkerId[] {
  const ids = new Set<WorkerId>(workerOrder(s.topology));
  for (const step of s.steps) {
    if (step.kind === 'turn') ids.add(step.worker);
    else for (const c of step.changes) ids.add(c.id);
  }
  const key = (id: WorkerId) => {
    const { replica, worker } = parseWorkerId(id);
    return worker * 10_000 + replica;
  };
  return [...ids].sort((a, b) => key(a) - key(b));
}

function noteSpan(d: DisruptionStepRecord, workers: readonly WorkerId[]): string | undefined {
  const touched = workers.filter((w) => d.changes.some((c) => c.id === w));
  if (touched.length === 0) return undefined;
  return touched.length === 1 ? touched[0] : `${touched[0]},${touched.at(-1)}`;
}

/** Step → the texts a failed recall expected that this turn said. */
function saidMarks(turns: readonly TurnRecord[]): Map<number, string[]> {
  const marks = new Map<number, string[]>();
  const add = (step: number, text: string) => {
    const list = marks.get(step) ?? [];
    if (!list.includes(text)) marks.set(step, [...list, text]);
  };
  for (const t of turns) {
    for (const e of failedOf(t)) {
      if (e.kind !== 'recall') continue;
      const steps = e.saidIn
        ? e.saidIn.map((x) => x.step)
        : turns
            .filter((u) => u.session === t.session && u.step < t.step && says(u.user, e.expected))
            .map((u) => u.step);
      for (const step of steps) add(step, e.expected);
    }
  }
  return marks;
}

/** Whether a turn's text says what a matcher expects (a fallback when the verdict named no turn). */
function says(user: string, expected: string): boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(expected);
  if (!re) return user.toLowerCase().includes(expected.toLowerCase());
  try {
    return compileLinear(re[1] ?? '', re[2]).test(user);
  } catch {
    return false;
  }
}

function lostMarks(t: TurnRecord): string[] {
  const failed = failedOf(t);
  const marks = failed.slice(0, 2).map((e) => `✗ ${mark(e, t)}`);
  return failed.length > 2 ? [...marks, `+${failed.length - 2}`] : marks;
}

function mark(e: ExpectationResult, t: TurnRecord): string {
  const short = clip(e.expected, 24);
  switch (e.kind) {
    case 'recall':
      return `lost ${quoted(short)}`;
    case 'recall_recent':
      return 'lost recent turns';
    case 'forget':
      return `saw ${quoted(short)}`;
    case 'answered':
      return t.failure ? `${t.failure.kind}${t.status ? ` ${t.status}` : ''}` : 'no answer';
    case 'llm_called':
      return 'no LLM call';
    case 'tool_result':
      return 'no tool result';
    case 'answer_kept':
      return 'lost an answer';
    case 'reply':
      return `reply ${brief(e.expected, 24)}`;
  }
}

/** Which steps to draw: all of them, or `max` around the first failed turn. */
function window(s: ScenarioResult, max: number): { from: number; to: number } {
  const n = s.steps.length;
  if (n <= max) return { from: 0, to: n };
  const failed = s.steps.findIndex((x) => x.kind === 'turn' && !x.passed);
  const focus = failed === -1 ? n - 1 : failed;
  const from = Math.max(0, Math.min(focus - (max - 6), n - max));
  return { from, to: from + max };
}
