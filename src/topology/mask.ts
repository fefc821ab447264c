import { looksLikeCredential } from './environment.ts';

const MASK = '***';

/** Values this short are left alone: masking `true` or `1234` everywhere would mangle every log. */
const MIN_SECRET = 6;
const MIN_URL_PASSWORD = 4;

/**
 * `scheme://user:password@`: the password of a URL's userinfo (RFC 3986 §3.2.1), wherever a URL
 * appears in a text. Group 1 is up to the colon, group 2 the password. A user name alone
 * (`postgres://postgres@host`) is a name, not a secret.
 */
const URL_PASSWORD = /(\b[a-z][a-z\d+.-]*:\/\/[^\s:@/?#]*:)([^\s@/?#]+)@/gi;

/**
 * The values to keep out of what amnesia writes of a process's output and what it reports: the
 * value of every variable named like a credential (`OPENAI_API_KEY`, `DB_PASSWORD`), and the
 * credentials inside URL values (`DATABASE_URL=postgres://u:hunter2@db/app` → `hunter2`, raw and
 * percent-decoded). A URL password equal to its user name (`postgres:postgres`, a default) is
 * masked only inside URLs, so the word does not vanish from every line.
 */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (looksLikeCredential(name) && value.length >= MIN_SECRET) out.add(value);
    for (const m of value.matchAll(URL_PASSWORD)) {
      const password = m[2] ?? '';
      const user = /:\/\/([^:]*):$/.exec(m[1] ?? '')?.[1];
      if (password.length < MIN_URL_PASSWORD || password === user) continue;
      out.add(password);
      const decoded = safeDecode(password);
      if (decoded !== password) out.add(decoded);
    }
  }
  return [...out];
}

/**
 * A function that replaces each secret (and its JSON-escaped form) with `***`, and the password of
 * every URL in the text, known or not.
 */
export function masker(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    const known = forms.reduce(
      (acc, secret) => (acc.includes(secret) ? acc.split(secret).join(MASK) : acc),
      text,
    );
    return known.includes('@') ? known.replace(URL_PASSWORD, (_, head: string) => `${head}${MASK}@`) : known;
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
