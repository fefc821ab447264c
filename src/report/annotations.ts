import type { SourceLocation } from '../scenario/types.ts';
import type { RunResult, ScenarioResult } from '../types/results.ts';
import { clip, plain } from '../util/text.ts';
import {
  expectationText,
  failedOf,
  failedTurns,
  leakText,
  notPassing,
  relativeTo,
  saidInText,
  servedText,
  turnsOf,
  vacuousText,
} from './evidence.ts';

/** One error to show at a line of a scenario file (a GitHub annotation, an editor diagnostic). */
export interface Annotation {
  /** Relative to `root` when the file is under it (what GitHub needs), else absolute. */
  file: string;
  line: number;
  column: number;
  title: string;
  message: string;
  /** The scenario's name. */
  scenario: string;
  /** What went wrong: a leak, a vacuous recall, a scenario that could not run, a failed expectation. */
  kind: 'leak' | 'vacuous' | 'error' | 'expectation';
}

const MAX_MESSAGE = 2000;
const TAIL_LINES = 5;

/**
 * Where each scenario that did not pass went wrong, as file:line errors, in reading order:
 * leaks first (at the turn that received the other session's text), then vacuous recalls and
 * scenarios that could not run, then each failed expectation at the line it was written.
 *
 * @example
 * for (const a of annotationsFor(result, { root: process.env.GITHUB_WORKSPACE }))
 *   core.error(a.message, { file: a.file, startLine: a.line, startColumn: a.column, title: a.title });
 */
export function annotationsFor(r: RunResult, o: { root?: string } = {}): Annotation[] {
  const out: Annotation[] = [];
  const add = (
    s: ScenarioResult,
    kind: Annotation['kind'],
    at: SourceLocation,
    what: string,
    message: string,
  ) =>
    out.push({
      scenario: s.name,
      kind,
      file: relativeTo(at.file, o.root),
      line: at.line,
      column: at.column,
      title: clip(`amnesia: ${what} (${plain(s.name)})`, 200),
      message: clip(plain(message), MAX_MESSAGE),
    });
  for (const s of notPassing(r)) {
    const turns = turnsOf(s);
    for (const leak of s.leaks) {
      const into = turns.find((t) => t.step === leak.into.step);
      add(
        s,
        'leak',
        into?.at ?? { file: s.file, line: 1, column: 1 },
        'leak between sessions',
        leakText(leak),
      );
    }
    for (const v of s.vacuous) add(s, 'vacuous', v.at, 'vacuous recall', vacuousText(v));
    if (s.error) add(s, 'error', { file: s.file, line: 1, column: 1 }, 'could not run', s.error.message);
    for (const t of failedTurns(s)) {
      for (const e of failedOf(t)) {
        const said = saidInText(e);
        const tail = e.kind === 'answered' ? (t.failure?.outputTail.slice(-TAIL_LINES) ?? []) : [];
        const more = [...(said ? [said] : []), ...(tail.length ? [`${t.worker} output:`, ...tail] : [])];
        add(
          s,
          'expectation',
          e.at,
          expectationText(e),
          [`${servedText(t)}: ${e.message}`, ...more].join('\n'),
        );
      }
    }
  }
  return out;
}
