import { DISRUPTIONS } from '../disruptions/index.ts';
import type {
  DisruptionStepRecord,
  ExpectationResult,
  Isolation,
  RunEvent,
  ScenarioResult,
  TurnRecord,
} from '../types/results.ts';
import { formatDuration } from '../util/duration.ts';
import { brief, clipWords, firstLine, oneLine, plural } from '../util/text.ts';
import { changeText, errorHeadline, expectationText, servedText } from './evidence.ts';
import { type Paint, painter } from './paint.ts';

const MAX_EXPECTATIONS = 4;
const MAX_CHANGES = 6;

/**
 * One progress line for an event worth showing in a long run, without a trailing newline;
 * `undefined` for the chatty ones (a worker became ready) and for `run-end` (see `renderSummary`).
 *
 * @example
 * formatEvent({ type: 'turn', scenario, turn }, { color: false })
 * // '  ✓ alice#2 → r2w1 pid 4312  84 ms  recall "Ada" ✓'
 */
export function formatEvent(e: RunEvent, o: { color: boolean }): string | undefined {
  const paint = painter(o.color);
  switch (e.type) {
    case 'run-start':
      return paint('dim', `amnesia  ${plural(e.scenarios, 'scenario')}  seed ${e.seed}  run ${e.runId}`);
    case 'scenario-start':
      // The probe ladder runs inside the failed scenario it diagnoses: a sub-heading, not a scenario.
      return e.probe
        ? `  ${paint('cyan', '⋯')} ${paint('dim', `probe ladder on a fresh ${e.topology.replicas} × ${e.topology.workers} topology, a fresh session per rung:`)}`
        : `${paint('cyan', '▶')} ${paint('bold', oneLine(e.scenario))}  ${paint('dim', `(${e.topology.replicas} × ${e.topology.workers}, ${e.routing}, seed ${e.seed})`)}`;
    case 'worker-ready':
      return undefined;
    case 'turn':
      return turnLine(e.turn, paint);
    case 'disruption':
      return disruptionLine(e.disruption, paint);
    case 'scenario-end':
      // The ladder's own end would read as a second result: its findings come with the scenario's.
      return e.probe ? undefined : scenarioEndLine(e.result, paint);
    case 'run-end':
      return undefined;
  }
}

function turnLine(t: TurnRecord, paint: Paint): string {
  const mark = !t.passed
    ? paint('red', '✗')
    : t.expectations.length > 0
      ? paint('green', '✓')
      : paint('dim', '·');
  const checks = expectationMarks(t.expectations, paint);
  const failure = t.failure
    ? `  ${paint('red', `${t.failure.kind}: ${clipWords(oneLine(firstLine(t.failure.message)), 100)}`)}`
    : '';
  return `  ${mark} ${servedText(t)}  ${paint('dim', formatDuration(t.latencyMs))}${checks ? `  ${checks}` : ''}${failure}`;
}

/** The failed checks first, then the passed ones, a few at most. */
function expectationMarks(es: readonly ExpectationResult[], paint: Paint): string {
  const ordered = [...es.filter((e) => !e.passed), ...es.filter((e) => e.passed)].filter(
    (e) => e.kind !== 'answered',
  );
  const shown = ordered
    .slice(0, MAX_EXPECTATIONS)
    .map((e) => `${brief(expectationText(e), 60)} ${e.passed ? paint('green', '✓') : paint('red', '✗')}`);
  const more = ordered.length - shown.length;
  return [...shown, ...(more > 0 ? [paint('dim', `+${more} more`)] : [])].join(', ');
}

function disruptionLine(d: DisruptionStepRecord, paint: Paint): string {
  const { evidence } = DISRUPTIONS[d.type];
  const changes = d.changes.slice(0, MAX_CHANGES).map((c) => {
    const forced = c.before?.forced && evidence.forcedNote ? ' (killed after the grace period)' : '';
    return `${changeText(c, { generation: evidence.generation })}${forced}`;
  });
  if (d.changes.length > MAX_CHANGES) changes.push(`+${d.changes.length - MAX_CHANGES} more`);
  const what = changes.length > 0 ? `  ${changes.join(', ')}` : '';
  return `  ${paint('yellow', '⟳')} ${oneLine(d.description)}${what}  ${paint('dim', formatDuration(d.durationMs))}`;
}

function scenarioEndLine(s: ScenarioResult, paint: Paint): string {
  const end = statusLine(s, paint);
  return s.isolation && s.status !== 'error' ? `${isolationLine(s.isolation, paint)}\n${end}` : end;
}

/** `  isolation: 2 sessions, 3 turns shared a process, 4 facts checked for leaks, 0 leaks found` */
function isolationLine(i: Isolation, paint: Paint): string {
  const text = `isolation: ${plural(i.sessions, 'session')}, ${plural(i.sharedTurns, 'turn')} where they shared a process, ${plural(i.facts, 'fact')} checked for leaks, ${plural(i.leaks, 'leak')} found`;
  return `  ${paint(i.leaks > 0 ? 'red' : 'dim', text)}`;
}

function statusLine(s: ScenarioResult, paint: Paint): string {
  const took = paint('dim', formatDuration(s.durationMs));
  const leaks = s.leaks.length > 0 ? `  ${paint('red', plural(s.leaks.length, 'leak'))}` : '';
  switch (s.status) {
    case 'passed':
      return `${paint('green', '✓ passed')}  ${took}`;
    case 'failed':
      return `${paint('red', '✗ failed')}  ${took}${leaks}`;
    case 'error':
      return `${paint('yellow', `! error: ${errorHeadline(s)}`)}  ${took}${leaks}`;
    case 'skipped':
      return paint('dim', '- skipped');
  }
}
