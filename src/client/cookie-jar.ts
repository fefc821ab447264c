interface StoredCookie {
  value: string;
  /** Epoch milliseconds after which the cookie is gone; undefined for a session cookie. */
  expiresAt: number | undefined;
}

/**
 * The cookies of one chat session, sent to every worker.
 *
 * One jar per chat session, not per origin: every worker listens on 127.0.0.1 on its own port, and
 * cookies ignore ports (RFC 6265 §8.5), so a browser would carry one session's cookies to all of
 * them — which is exactly what a load balancer in front of the workers looks like. Domain, Path,
 * Secure and HttpOnly are ignored: every stored cookie goes with every request of the session.
 * Max-Age (which wins over Expires) and Expires are honoured, against the injected clock.
 *
 * @example
 * const jar = new CookieJar();
 * jar.store(response.headers.getSetCookie());
 * fetch(url, { headers: { cookie: jar.header() ?? '' } });
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();
  readonly #now: () => number;

  /** @param options.now wall clock in epoch milliseconds, for Expires and Max-Age. @default Date.now */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Stores `Set-Cookie` header values (from `Headers.getSetCookie()`); expired ones delete. */
  store(setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const parsed = parseSetCookie(line, this.#now());
      if (!parsed) continue;
      if (parsed.expiresAt !== undefined && parsed.expiresAt <= this.#now())
        this.#cookies.delete(parsed.name);
      else this.#cookies.set(parsed.name, { value: parsed.value, expiresAt: parsed.expiresAt });
    }
  }

  /** The `Cookie` request header (`a=1; b=2`), or undefined when the jar is empty. */
  header(): string | undefined {
    const pairs = Object.entries(this.snapshot()).map(([name, value]) => `${name}=${value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  /** The live cookies by name, for evidence in reports. */
  snapshot(): Record<string, string> {
    const now = this.#now();
    const live: [string, string][] = [];
    for (const [name, cookie] of this.#cookies) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) this.#cookies.delete(name);
      else live.push([name, cookie.value]);
    }
    return Object.fromEntries(live);
  }
}

/** RFC 6265 §5.2, minus the attributes the jar ignores. Returns undefined for a line to ignore. */
function parseSetCookie(
  line: string,
  now: number,
): { name: string; value: string; expiresAt: number | undefined } | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0) return undefined;
  const name = pair.slice(0, eq).trim();
  if (name === '') return undefined;
  const value = pair.slice(eq + 1).trim();
  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const raw = at < 0 ? '' : attribute.slice(at + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(raw)) maxAge = Number(raw);
    else if (key === 'expires') {
      const date = Date.parse(raw);
      if (!Number.isNaN(date)) expires = date;
    }
  }
  const expiresAt = maxAge !== undefined ? (maxAge <= 0 ? -Infinity : now + maxAge * 1000) : expires;
  return { name, value, expiresAt };
}
