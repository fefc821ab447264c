export { type Annotation, annotationsFor } from './annotations.ts';
export {
  type CommentOptions,
  type CommentRecord,
  readCommentRecord,
  renderComment,
  renderErrorComment,
  type SinceLastRun,
  sinceLastRun,
} from './comment.ts';
export { type HtmlOptions, renderHtml } from './html/render.ts';
export { type ReportedLlmRequest, renderJson } from './json.ts';
export { type JUnitOptions, renderJUnit } from './junit.ts';
export { GITHUB_COMMENT_LIMIT, type MarkdownOptions, renderMarkdown } from './markdown.ts';
export { mergeResults, type SourcedResult } from './merge.ts';
export { mermaidText, mermaidTimeline, type TimelineOptions } from './mermaid.ts';
export { parseJsonReport } from './parse-json.ts';
export { renderProbe } from './probe.ts';
export { relativePaths } from './relative-paths.ts';
export { type Reporter, type ReportFormat, reporterFor, terminalReporter } from './reporter.ts';
export { formatEvent, renderSummary, type SummaryOptions } from './terminal.ts';
