import { createHash } from 'node:crypto';
import type { CookieSeen, ExchangeEvidence } from './types.ts';

const hashOf = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);
const seen = (name: string, value: string): CookieSeen => ({
  name,
  bytes: Buffer.byteLength(value),
  hash: hashOf(value),
});

/** Header names whose values are secrets or session state: shown as `***`. */
const SECRET = /cookie|auth|token|secret|key|session|signature|credential|password/i;

/**
 * The evidence of one exchange: the cookies sent (from the jar, before the turn) and set (from
 * `Set-Cookie`), and the response headers with secrets masked.
 */
export function exchangeEvidence(
  sent: Readonly<Record<string, string>>,
  setCookie: readonly string[],
  headers: Headers,
): ExchangeEvidence {
  const set = setCookie.flatMap((line) => {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) return [];
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const before = sent[name];
    return [{ ...seen(name, value), replaced: before !== undefined && before !== value }];
  });
  const shown: Record<string, string> = {};
  headers.forEach((value, name) => {
    shown[name] = SECRET.test(name) ? '***' : value.length > 200 ? `${value.slice(0, 200)}…` : value;
  });
  return { sent: Object.entries(sent).map(([n, v]) => seen(n, v)), set, headers: shown };
}
