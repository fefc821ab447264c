/**
 * amnesia's public API. The CLI, the vitest integration and the GitHub Action use only this.
 *
 * @example
 * import { run, loadTest } from 'amnesia';
 * const result = await run({ patterns: ['scenarios'], concurrency: 2 });
 * process.exitCode = result.exitCode;
 */

export { findConfig, loadConfig } from './config/load.ts';
export type { ReplySpec, ResolvedConfig, ServiceSpec } from './config/types.ts';
export {
  AbortedError,
  AmnesiaError,
  type AmnesiaErrorCode,
  BootError,
  type InputProblem,
  InvalidInputError,
} from './errors.ts';
export {
  defaultLlmHandlers,
  type LlmScriptStep,
  type LlmToolCall,
  type LlmToolResult,
  type MockLlm,
  MockLlmError,
  type RecordedLlmRequest,
  startMockLlm,
  type TurnScope,
} from './llm/index.ts';
export { loadTest } from './load/load.ts';
export type {
  AttributionAudit,
  Latency,
  LoadFailure,
  LoadProgress,
  LoadSessionEvidence,
  LoadTestEvent,
  LoadTestOptions,
  LoadTestResult,
  LoadTurn,
  LoadWindow,
  MemoryCounts,
  TurnCounts,
} from './load/types.ts';
export { type Plan, type PlannedStep, plan } from './plan/plan.ts';
export {
  type Annotation,
  annotationsFor,
  type CommentOptions,
  type CommentRecord,
  formatEvent,
  GITHUB_COMMENT_LIMIT,
  type HtmlOptions,
  mergeResults,
  parseJsonReport,
  type Reporter,
  type ReportFormat,
  readCommentRecord,
  relativePaths,
  renderComment,
  renderErrorComment,
  renderHtml,
  renderJson,
  renderJUnit,
  renderMarkdown,
  renderProbe,
  renderSummary,
  reporterFor,
  type SinceLastRun,
  type SourcedResult,
  sinceLastRun,
  terminalReporter,
} from './report/index.ts';
export { type ProbeOptions, type ProbeResult, probe } from './run/probe.ts';
export { mergeReports, readJsonReport } from './run/reports.ts';
export { type RunOptions, run } from './run/run.ts';
export { durationsOf, parseShard, type Shard, type ShardSpec, selectShard } from './run/shard.ts';
export { scenarioJsonSchema } from './scenario/schema.ts';
export type {
  RoutingStrategy,
  Scenario,
  SourceLocation,
  Step,
  Target,
  TogetherStep,
  Topology,
  TurnStep,
} from './scenario/types.ts';
export { configJsonSchema } from './schema/json-schema.ts';
export { SpawnError } from './topology/process-group.ts';
export type {
  Diagnosis,
  DisruptionStepRecord,
  ExpectationResult,
  Leak,
  RunEvent,
  Rung,
  RungResult,
  RunResult,
  ScenarioResult,
  ScenarioStatus,
  StepRecord,
  TurnRecord,
  VacuousRecall,
} from './types/results.ts';
export { MissingDependencyError } from './util/optional-dependency.ts';
export { type Loaded, type LoadOptions, load } from './validate.ts';
