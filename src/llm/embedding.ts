/**
 * Deterministic embeddings: a hashed bag of words, L2-normalised. Texts that share words are close,
 * so an app that retrieves stored facts by similarity finds the right one.
 */

const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'do',
  'does',
  'for',
  'from',
  'i',
  'in',
  'is',
  'it',
  'me',
  'my',
  'of',
  'on',
  'or',
  'so',
  'that',
  'the',
  'this',
  'to',
  'was',
  'what',
  'with',
  'you',
  'your',
]);

const WORD = /[\p{L}\p{N}]+/gu;

/** Lowercased word tokens minus stop words (all words when only stop words are left). */
export function embeddingTokens(text: string): string[] {
  const words = text.toLowerCase().match(WORD) ?? [];
  const content = words.filter((word) => !STOP_WORDS.has(word));
  return content.length > 0 ? content : words;
}

/** A unit vector of `dimensions` numbers for `text`; never the zero vector. */
export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = embeddingTokens(text);
  if (tokens.length === 0) {
    vector[0] = 1;
    return vector;
  }
  for (const token of tokens) {
    const bucket = fnv1a(token) % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

/** Little-endian float32 bytes in base64: what the API returns for `encoding_format: "base64"`. */
export function toBase64Float32(vector: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, index) => {
    bytes.setFloat32(index * 4, value, true);
  });
  return Buffer.from(bytes.buffer).toString('base64');
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
