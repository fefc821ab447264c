import { describe, expect, it } from 'vitest';
import { embed, embeddingTokens, toBase64Float32 } from './embedding.ts';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe('embed', () => {
  it('returns the same unit vector for the same text', () => {
    const a = embed('My dog is called Rex', 256);
    expect(a).toEqual(embed('My dog is called Rex', 256));
    expect(a).toHaveLength(256);
    expect(cosine(a, a)).toBeCloseTo(1, 6);
  });

  it('puts texts that share words closer than texts that do not', () => {
    const fact = embed('My dog is called Rex.', 256);
    const question = embed("What is my dog's name?", 256);
    const other = embed('The invoice is due on Friday.', 256);
    expect(cosine(fact, question)).toBeGreaterThan(cosine(fact, other));
    expect(cosine(fact, question)).toBeGreaterThan(0.2);
  });

  it('ignores case, punctuation and stop words', () => {
    expect(embeddingTokens('The Analytical ENGINE, of course!')).toEqual(['analytical', 'engine', 'course']);
    expect(embed('analytical engine', 64)).toEqual(embed('The ANALYTICAL engine!', 64));
  });

  it('never returns the zero vector', () => {
    for (const text of ['', '   ', 'the of a', '!!!']) {
      const vector = embed(text, 16);
      expect(cosine(vector, vector)).toBeCloseTo(1, 6);
    }
  });
});

describe('toBase64Float32', () => {
  it('encodes little-endian float32 values', () => {
    const vector = [0.5, -1, 0.25];
    const bytes = Buffer.from(toBase64Float32(vector), 'base64');
    expect(bytes).toHaveLength(12);
    expect([0, 1, 2].map((i) => bytes.readFloatLE(i * 4))).toEqual(vector);
  });
});
