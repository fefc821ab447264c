import { describe, expect, it } from 'vitest';
import { CWD, failing, isolationRun, passing, run } from '../../../test/support/report-fixtures.ts';
import type { RunResult, TurnRecord } from '../../types/results.ts';
import { highlight } from './highlight.ts';
import { renderHtml } from './render.ts';
import { lanesOf, momentsOf, timelineSvg } from './timeline.ts';

describe('renderHtml', () => {
  const html = renderHtml(run, { cwd: CWD });

  it('is one self-contained page: no external script, style, image or font', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).toContain("default-src 'none'");
  });

  it('gives every scenario a section with its status, and a failed turn its open evidence', () => {
    for (const s of run.scenarios) expect(html).toContain(`id="s-${s.slug}"`);
    expect(html).toContain('data-status="failed"');
    const alice2 = html.slice(html.indexOf('alice#2 → r1w1'));
    expect(html).toMatch(/<details id="t-[^"]+-3-alice-2" open>/);
    expect(alice2).toContain('missing from the prompt: <code>pineapple</code>');
  });

  it('marks a fact where the prompt holds it, in the turn that said it', () => {
    expect(html).toMatch(/<mark class="hit" title="recall pineapple">pineapple<\/mark>/);
  });

  it('shows the probe ladder and what to change', () => {
    expect(html).toContain('aria-label="Probe ladder: SW ✓ OW ✗ OR ✗ RS ✗ CR ✗ RD ✗"');
    expect(html).toContain('row 2: state lives in one process&#39;s RAM: move it to a shared store');
  });

  it('escapes what the app and the user wrote', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const t = failing.steps[0] as TurnRecord;
    const page = renderHtml(
      {
        ...run,
        scenarios: [
          { ...failing, name: evil, steps: [{ ...t, user: evil, reply: evil }, ...failing.steps.slice(1)] },
        ],
      },
      { cwd: CWD },
    );
    expect(page).not.toContain(evil);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('lists leaks and vacuous recalls', () => {
    const page = renderHtml(isolationRun, { cwd: CWD });
    expect(page).toContain('<strong>leak:</strong>');
    expect(page).toContain('vacuous recall');
  });

  it('checks "failed only" when the run did not pass, and not when it did', () => {
    expect(html).toContain('id="f-failed" checked');
    const green: RunResult = { ...run, exitCode: 0, scenarios: [passing] };
    expect(renderHtml(green)).not.toContain('id="f-failed" checked');
  });
});

describe('timeline', () => {
  it('has a lane per worker, replica by replica, and a column per moment', () => {
    expect(lanesOf(failing)).toEqual(['r1w1', 'r1w2', 'r2w1', 'r2w2']);
    const moments = momentsOf(failing.steps);
    expect(moments.map((m) => (m.disruption ? 'crash' : m.turns.map((t) => t.label).join('+')))).toEqual([
      'alice#1',
      'bob#1',
      'crash',
      'alice#2',
      'bob#2',
    ]);
  });

  it('puts turns sent at once in one column, and a turn in flight in its disruption', () => {
    const [a, b, crash, c] = failing.steps as [
      TurnRecord,
      TurnRecord,
      (typeof failing.steps)[number],
      TurnRecord,
    ];
    const together: TurnRecord[] = [
      { ...a, together: [{ label: b.label, worker: b.worker }] },
      { ...b, together: [{ label: a.label, worker: a.worker }] },
    ];
    const inFlight = { ...c, inFlight: { step: crash.step, description: 'crash r1' } };
    const moments = momentsOf([...together, crash, inFlight]);
    expect(moments).toHaveLength(2);
    expect(moments[0]?.turns.map((t) => t.label)).toEqual(['alice#1', 'bob#1']);
    expect(moments[1]?.disruption?.kind).toBe('disruption');
    expect(moments[1]?.turns.map((t) => t.label)).toEqual(['alice#2']);
  });

  it('links each turn mark to its evidence and draws the crash as a band', () => {
    const svg = timelineSvg(failing);
    expect(svg.match(/<a href="#t-/g)).toHaveLength(4);
    expect(svg).toContain('class="band"');
    expect(svg).toContain('class="turn-bad"');
  });
});

describe('highlight', () => {
  it('marks text as written and regular expressions, escaping the rest', () => {
    expect(highlight('a <b> Ada ada', [{ expected: 'Ada', kind: 'recall' }])).toBe(
      'a &lt;b&gt; <mark class="hit" title="recall Ada">Ada</mark> ada',
    );
    expect(highlight('Ada ada', [{ expected: '/ada/i', kind: 'forget' }])).toBe(
      '<mark class="leak" title="forget /ada/i">Ada</mark> <mark class="leak" title="forget /ada/i">ada</mark>',
    );
  });
});
