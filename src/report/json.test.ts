import { describe, expect, it } from 'vitest';
import { isolationRun, run } from '../../test/support/report-fixtures.ts';
import type { RunResult } from '../types/results.ts';
import { renderJson } from './json.ts';

describe('renderJson', () => {
  it('renders the result as pretty JSON', () => {
    expect(renderJson(run)).toMatchSnapshot();
  });

  it('leaves LLM request bodies out and keeps their messages', () => {
    const text = renderJson(run);
    expect(text).not.toContain('"body"');
    expect(text).not.toContain('gpt-4o-mini');
    const parsed = JSON.parse(text) as RunResult;
    const turn = parsed.scenarios[1]?.steps[3];
    expect(turn?.kind === 'turn' && turn.llm[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('does not change the result it renders', () => {
    const before = structuredClone(run);
    renderJson(run);
    expect(run).toEqual(before);
  });

  it('is the same text whatever order the engine built the objects in', () => {
    const reversed = JSON.parse(JSON.stringify(isolationRun), (_key, value) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as RunResult;
    expect(renderJson(reversed)).toBe(renderJson(isolationRun));
  });

  it('ends with a newline and parses back', () => {
    const text = renderJson(isolationRun);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text).runId).toBe('20250101-beef01');
  });
});
