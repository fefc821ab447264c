import { describe, expect, it } from 'vitest';
import { crashStep, failing, leaking } from '../../test/support/report-fixtures.ts';
import type { ScenarioResult, TurnRecord } from '../types/results.ts';
import { mermaidText, mermaidTimeline } from './mermaid.ts';

describe('mermaidText', () => {
  it('writes the characters Mermaid reads as syntax as entity codes', () => {
    expect(mermaidText('a;b#c"d"<e>&f%%')).toBe('a#59;b#35;c#quot;d#quot;#lt;e#gt;#amp;f#37;#37;');
  });

  it('keeps a label on one line and short', () => {
    expect(mermaidText('line one\nline two\r\n\tthree')).toBe('line one line two three');
    expect(mermaidText('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('does not escape its own escapes twice', () => {
    expect(mermaidText('#;')).toBe('#35;#59;');
  });
});

describe('mermaidTimeline', () => {
  it('draws sessions and workers in routing order, the crash as a note, the lost fact in red', () => {
    expect(mermaidTimeline(failing)).toMatchInlineSnapshot(`
      "sequenceDiagram
        participant s1 as alice
        participant s2 as bob
        participant r1w1
        participant r2w1
        participant r1w2
        participant r2w2
        s1->>r1w1: alice#35;1 said #quot;pineapple#quot;
        s2->>r2w1: bob#35;1 said #quot;tangerine#quot;
        Note over r1w1,r1w2: crash r1 (SIGKILL, respawn on the same disk)
        rect rgb(255,220,220)
          s1->>r1w1: alice#35;2 ✗ lost #quot;pineapple#quot;
        end
        rect rgb(255,220,220)
          s2->>r2w2: bob#35;2 ✗ lost #quot;tangerine#quot;
        end"
    `);
  });

  it('marks where a leak came from and where it went', () => {
    const text = mermaidTimeline(leaking);
    expect(text).toContain('s1->>r1w1: bob#35;1 leaked into alice#35;1');
    expect(text).toContain('s2->>r1w2: alice#35;1 ✗ leak from bob#35;1 ✗ saw /token is/i');
  });

  it('keeps hostile session names and expectations from breaking the diagram', () => {
    const [a1, b1, , a2] = failing.steps as [TurnRecord, TurnRecord, unknown, TurnRecord];
    const evil = 'x";y#z<br>\n%%{init}%%';
    const rename = (t: TurnRecord): TurnRecord => ({
      ...t,
      session: evil,
      label: `${evil}#${t.label.split('#')[1]}`,
    });
    const lost: TurnRecord = {
      ...rename(a2),
      expectations: a2.expectations.map((e) => (e.kind === 'recall' ? { ...e, expected: 'a;b"c' } : e)),
    };
    const s: ScenarioResult = { ...failing, steps: [rename(a1), b1, crashStep, lost] };
    const diagram = mermaidTimeline(s);
    for (const line of diagram.split('\n').slice(1)) {
      const label = line.includes(': ') ? line.slice(line.indexOf(': ') + 2) : line.replace(/ as .*/, '');
      expect(label.replace(/#(\d+|quot|lt|gt|amp);/g, '')).not.toMatch(/[;"<>#%\n]/);
    }
    expect(diagram).toContain('participant s1 as x#quot;#59;y#35;z#lt;br#gt; #37;#37;{init}#37;#37;');
    expect(diagram).toContain('✗ lost #quot;a#59;b#quot;c#quot;');
  });

  it('draws a long scenario around its first failed turn', () => {
    const [a1, b1] = failing.steps as [TurnRecord, TurnRecord];
    const chatter = Array.from(
      { length: 100 },
      (_, i): TurnRecord => ({ ...b1, step: i + 1, label: `bob#${i + 1}` }),
    );
    const failed = { ...(failing.steps[3] as TurnRecord), step: 101 };
    const tail = Array.from(
      { length: 20 },
      (_, i): TurnRecord => ({ ...b1, step: 102 + i, label: `bob#${101 + i}` }),
    );
    const s: ScenarioResult = { ...failing, steps: [a1, ...chatter, failed, ...tail] };
    const diagram = mermaidTimeline(s, { maxSteps: 20 });
    expect(diagram).toContain('Note over r1w1,r2w2: 87 earlier steps not drawn');
    expect(diagram).toContain('alice#35;2 ✗ lost');
    expect(diagram).toContain('Note over r1w1,r2w2: 15 later steps not drawn');
    expect(diagram.split('\n').filter((l) => l.includes('->>'))).toHaveLength(20);
  });
});
