import { describe, expect, it } from 'vitest';
import { diagnosisText } from './diagnosis.ts';

describe('diagnosisText: advice in the terms of the stack the app imports', () => {
  const explanations = [
    { step: 3, label: 'main#3', crossing: [], rows: ['9'], text: 'main#3: lost update: …' },
  ];

  it("adds the stack's own advice to a row it has advice for", () => {
    const d = diagnosisText({
      explanations,
      stack: { name: 'LangGraph', imported: '@langchain/langgraph-checkpoint-postgres' },
    });
    expect(d?.advice).toEqual([
      expect.stringMatching(
        /^row 9: append, or write in a transaction; .*; here, with LangGraph \(the app imports `@langchain\/langgraph-checkpoint-postgres`\): the checkpointer writes the thread's whole state/,
      ),
    ]);
  });

  it('keeps the generic advice alone without a known stack', () => {
    const [advice] = diagnosisText({ explanations })?.advice ?? [];
    expect(advice).toMatch(/^row 9: append, or write in a transaction; never write the whole history back; /);
    expect(advice).not.toMatch(/here, with/);
  });
});
