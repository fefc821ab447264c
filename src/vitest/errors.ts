import { AmnesiaError } from '../errors.ts';
import { firstFailure } from '../report/evidence.ts';
import { renderScenarioWithDiagnosis } from '../report/terminal-summary.ts';
import { turnEvidence } from '../report/turn-evidence.ts';
import type { SourceLocation } from '../scenario/types.ts';
import type { ScenarioResult, TurnRecord } from '../types/results.ts';

/**
 * A scenario file's test failed: the message is the block `amnesia run` prints for it (the
 * failed turn, the prompt excerpt, the diagnosis, artifacts, replay), and the stack points at
 * the first failed expectation's line in the YAML, so vitest shows and links `file:line`.
 */
export class ScenarioFailedError extends AmnesiaError {
  override readonly exitCode: number;
  readonly result: ScenarioResult;
  constructor(result: ScenarioResult, cwd: string) {
    super('AMNESIA_SCENARIO_FAILED', renderScenarioWithDiagnosis(result, { color: false, cwd }));
    this.exitCode = result.status === 'failed' ? 1 : 2;
    this.result = result;
    const at = firstFailure(result)?.expectation.at ?? result.vacuous[0]?.at;
    this.stack = `${this.name}: ${this.message}\n${stackFrame(at ?? { file: result.file, line: 1, column: 1 })}`;
  }
}

/** The app gave no answer to a turn of a code-first test (an error status, a timeout, a dead worker). */
export class TurnFailedError extends AmnesiaError {
  override readonly exitCode = 1;
  /** The turn, with the failure, the worker's output tail and the LLM requests it made. */
  readonly turn: TurnRecord;
  constructor(turn: TurnRecord, logsDir: string) {
    super('AMNESIA_TURN_FAILED', `${turnEvidence(turn).join('\n')}\n  worker logs: ${logsDir}`);
    this.turn = turn;
  }
}

/** A harness call that cannot be carried out as asked (a worker that does not exist, a stopped app). */
export class InvalidArgumentError extends AmnesiaError {
  constructor(message: string) {
    super('AMNESIA_INVALID_ARGUMENT', message);
  }
}

/** A stack line vitest parses, shows and links. */
function stackFrame(at: SourceLocation): string {
  return `    at ${at.file}:${at.line}:${at.column}`;
}
