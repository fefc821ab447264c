import type { RunEvent, RunResult } from '../types/results.ts';
import { renderHtml } from './html/render.ts';
import { renderJson } from './json.ts';
import { renderJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { formatEvent, renderSummary } from './terminal.ts';

/** Hooks the engine calls; every one optional (vitest's `Reporter` shape). Renderers stay pure: a reporter only writes. */
export interface Reporter {
  onEvent?(e: RunEvent): void;
  onRunEnd?(r: RunResult): void | Promise<void>;
}

export type ReportFormat = 'json' | 'junit' | 'markdown' | 'html';

const renderers: Record<ReportFormat, (r: RunResult, o: { cwd?: string }) => string> = {
  json: (r, o) => renderJson(r, o),
  junit: (r, o) => renderJUnit(r, o),
  markdown: (r, o) => renderMarkdown(r, o),
  html: (r, o) => renderHtml(r, o),
};

/**
 * A reporter that renders the whole result once, at the end, and hands the text to `write`.
 *
 * @example
 * reporterFor('junit', (xml) => writeFile('amnesia.junit.xml', xml))
 */
export function reporterFor(
  format: ReportFormat,
  write: (text: string) => void | Promise<void>,
  o: { cwd?: string } = {},
): Reporter {
  const render = renderers[format];
  return { onRunEnd: (r) => write(render(r, o)) };
}

/**
 * Progress lines as events arrive, then the summary.
 *
 * @example
 * terminalReporter((line) => process.stdout.write(line), { color: process.stdout.isTTY })
 */
export function terminalReporter(
  write: (text: string) => void,
  o: { color: boolean; cwd?: string },
): Reporter {
  return {
    onEvent(e) {
      const line = formatEvent(e, o);
      if (line !== undefined) write(`${line}\n`);
    },
    onRunEnd(r) {
      write(`\n${renderSummary(r, o)}`);
    },
  };
}
