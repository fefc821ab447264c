import path from 'node:path';
import type { RecordedLlmRequest } from '../llm/index.ts';
import type { WorkerId } from '../scenario/workers.ts';
import { type OutputCut, outputCutText } from '../topology/output-log.ts';
import { formatBytes } from '../util/bytes.ts';

export interface NoteFacts {
  /** Worker logs that had to leave output out. */
  cuts: readonly { id: WorkerId; cut: OutputCut }[];
  /** The scenario's LLM requests. */
  requests: readonly RecordedLlmRequest[];
  maxRequestBytes: number;
  /** Connections the mock LLM closed as they came while the scenario ran. */
  droppedConnections: number;
  /** Requests on the scenario's URLs without the run's key. */
  refused: number;
}

/**
 * What a scenario noticed that changes no verdict but a reader must know, one sentence each:
 * output cut, LLM requests refused as too large or without the run's key, connections dropped.
 */
export function scenarioNotes(f: NoteFacts): string[] {
  const notes = f.cuts.map(
    ({ id, cut }) =>
      `the output of worker ${id} was cut (${path.basename(cut.file)}): ${outputCutText(cut)}; amnesia still reads all of it, which slows the run`,
  );
  const tooLarge = f.requests.filter((r) => r.kind === 'too-large').length;
  if (tooLarge > 0)
    notes.push(
      `${count(tooLarge, 'LLM request')} over llm.max_request (${formatBytes(f.maxRequestBytes)}) ${be(tooLarge)} refused with a 413 and not kept`,
    );
  if (f.droppedConnections > 0)
    notes.push(
      `${count(f.droppedConnections, 'connection')} to the mock LLM ${be(f.droppedConnections)} closed as ${f.droppedConnections === 1 ? 'it' : 'they'} came during this scenario: too many were open at once`,
    );
  if (f.refused > 0)
    notes.push(
      `${count(f.refused, 'request')} to the mock LLM without the run's key ${be(f.refused)} refused (another process posting to this scenario's URLs; never attributed to a turn)`,
    );
  return notes;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function be(n: number): string {
  return n === 1 ? 'was' : 'were';
}
