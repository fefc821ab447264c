export { formatEvent } from './terminal-event.ts';
export { renderSummary, type SummaryOptions } from './terminal-summary.ts';
