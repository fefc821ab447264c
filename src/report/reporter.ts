import type { RunEvent, RunResult } from '../types/results.ts';
import { formatEvent, renderSummary } from './terminal.ts';

/** Hooks the engine calls; every one optional (vitest's `Reporter` shape). Renderers stay pure: a reporter only writes. */
export interface Reporter {
  onEvent?(e: RunEvent): void;
  onRunEnd?(r: RunResult): void | Promise<void>;
}

export type ReportFormat = 'json' | 'junit' | 'markdown' | 'html';

type Render = (r: RunResult, o: { cwd?: string }) => string;

// Loaded when a report is written: a run that asks for none never pays for the renderers.
const renderers: Record<ReportFormat, () => Promise<Render>> = {
  json: async () => (await import('./json.ts')).renderJson,
  junit: async () => (await import('./junit.ts')).renderJUnit,
  markdown: async () => (await import('./markdown.ts')).renderMarkdown,
  html: async () => (await import('./html/render.ts')).renderHtml,
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
  const load = renderers[format];
  return { onRunEnd: async (r) => write((await load())(r, o)) };
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
