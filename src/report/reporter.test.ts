import { describe, expect, it } from 'vitest';
import { passing, run } from '../../test/support/report-fixtures.ts';
import { renderJson, renderJUnit, renderMarkdown, reporterFor, terminalReporter } from './index.ts';

describe('reporterFor', () => {
  it.each([
    ['json', renderJson],
    ['junit', renderJUnit],
    ['markdown', renderMarkdown],
  ] as const)('writes the %s rendering once, at the end of the run', async (format, render) => {
    const written: string[] = [];
    const reporter = reporterFor(format, (text) => {
      written.push(text);
    });
    expect(reporter.onEvent).toBeUndefined();
    await reporter.onRunEnd?.(run);
    expect(written).toEqual([render(run)]);
  });

  it('waits for an asynchronous write', async () => {
    let done = false;
    const reporter = reporterFor('json', async () => {
      await new Promise((r) => setImmediate(r));
      done = true;
    });
    await reporter.onRunEnd?.(run);
    expect(done).toBe(true);
  });
});

describe('terminalReporter', () => {
  it('writes progress lines, skips the quiet events, and ends with the summary', async () => {
    let out = '';
    const reporter = terminalReporter(
      (t) => {
        out += t;
      },
      { color: false },
    );
    reporter.onEvent?.({
      type: 'worker-ready',
      scenario: 'x',
      worker: 'r1w1',
      pid: 1,
      bootMs: 1,
      generation: 1,
    });
    reporter.onEvent?.({ type: 'scenario-end', result: passing });
    await reporter.onRunEnd?.(run);
    expect(out.startsWith('✓ passed  1.2 s\n\n✗ two sessions stay apart')).toBe(true);
    expect(out.endsWith('(12.3 s, seed 42, run 20250101-c0ffee)\n')).toBe(true);
  });
});
