import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookie-jar.ts';

function clock(start = Date.parse('2030-01-01T00:00:00Z')) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe('CookieJar', () => {
  it('is empty at first', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    expect(jar.snapshot()).toEqual({});
  });

  it('stores name=value and ignores Domain, Path, Secure and HttpOnly', () => {
    const jar = new CookieJar();
    jar.store(['sid=abc; Path=/api; Domain=example.com; Secure; HttpOnly', 'theme=dark']);
    expect(jar.header()).toBe('sid=abc; theme=dark');
    expect(jar.snapshot()).toEqual({ sid: 'abc', theme: 'dark' });
  });

  it('keeps values with `=` and quotes as sent, and trims around them', () => {
    const jar = new CookieJar();
    jar.store([' token = a=b=c ; Path=/', 'q="quoted value"']);
    expect(jar.snapshot()).toEqual({ token: 'a=b=c', q: '"quoted value"' });
  });

  it('ignores lines without a name', () => {
    const jar = new CookieJar();
    jar.store(['novalue', '=orphan', '']);
    expect(jar.header()).toBeUndefined();
  });

  it('replaces a cookie in place', () => {
    const jar = new CookieJar();
    jar.store(['a=1', 'b=2']);
    jar.store(['a=3']);
    expect(jar.header()).toBe('a=3; b=2');
  });

  it.each([
    ['Max-Age=0', 'gone=; Max-Age=0'],
    ['negative Max-Age', 'gone=; Max-Age=-1'],
    ['a past Expires', 'gone=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
  ])('deletes a cookie with %s', (_, line) => {
    const jar = new CookieJar(clock());
    jar.store(['gone=1', 'kept=2']);
    jar.store([line]);
    expect(jar.snapshot()).toEqual({ kept: '2' });
  });

  it('expires a cookie when the clock passes Max-Age, which wins over Expires', () => {
    const { time, now } = clock();
    const jar = new CookieJar({ now });
    jar.store(['short=1; Max-Age=10; Expires=Fri, 01 Jan 2100 00:00:00 GMT', 'session=2']);
    time.now += 9_999;
    expect(jar.snapshot()).toEqual({ short: '1', session: '2' });
    time.now += 1;
    expect(jar.header()).toBe('session=2');
  });

  it('expires a cookie at its Expires date', () => {
    const { time, now } = clock();
    const jar = new CookieJar({ now });
    jar.store(['dated=1; Expires=Tue, 01 Jan 2030 00:01:00 GMT']);
    expect(jar.snapshot()).toEqual({ dated: '1' });
    time.now += 60_000;
    expect(jar.snapshot()).toEqual({});
  });

  it('ignores an unparsable Max-Age or Expires', () => {
    const jar = new CookieJar(clock());
    jar.store(['a=1; Max-Age=soon; Expires=whenever']);
    expect(jar.snapshot()).toEqual({ a: '1' });
  });
});
