import type { RecordedLlmRequest } from '../llm/index.ts';
import type { RunResult, ScenarioResult, StepRecord } from '../types/results.ts';
import { relativePaths } from './relative-paths.ts';

/** A recorded LLM request without its raw body (that is in the scenario's JSONL artifact); the messages stay. */
export type ReportedLlmRequest = Omit<RecordedLlmRequest, 'body'>;

/**
 * The result as stable, pretty JSON: keys sorted at every level (so the text does not depend on
 * the order the engine built objects in), LLM request bodies left out, `undefined` dropped, and
 * paths under `cwd` (the directory amnesia ran in; the Action's GITHUB_WORKSPACE) relative to it,
 * so a report merged or read in another checkout still points into the repository.
 */
export function renderJson(r: RunResult, o: { cwd?: string } = {}): string {
  const slim = relativePaths({ ...r, scenarios: r.scenarios.map(slimScenario) }, o.cwd);
  return `${JSON.stringify(sortKeys(slim), null, 2)}\n`;
}

/** The scenario with its LLM requests' raw bodies left out (the scenario's `llm-requests.jsonl` keeps them). */
export function slimScenario(s: ScenarioResult): ScenarioResult {
  return {
    ...s,
    steps: s.steps.map(slimStep),
    unattributed: s.unattributed.map(withoutBody) as RecordedLlmRequest[],
  };
}

function slimStep(s: StepRecord): StepRecord {
  return s.kind === 'turn' ? { ...s, llm: s.llm.map(withoutBody) as RecordedLlmRequest[] } : s;
}

function withoutBody({ body: _body, ...rest }: RecordedLlmRequest): ReportedLlmRequest {
  return rest;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
