import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceFault } from '../disruptions/index.ts';
import { ServiceFaults } from './faults.ts';
import type { ServiceHandle } from './handle.ts';

/** A service that logs what is done to it. */
function fake(name: string, log: string[]): ServiceHandle {
  let n = 1;
  return {
    name,
    url: 'x',
    release: async () => {},
    faults: {
      down: async (grace) => void log.push(`${name} down ${grace}`),
      up: async () => void log.push(`${name} up ${++n}`),
      wipe: async () => void log.push(`${name} wipe ${++n}`),
      where: () => `pid ${n}`,
    },
  };
}

describe('ServiceFaults', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts with the step grace or the default, and records where it ran before and after', async () => {
    const log: string[] = [];
    const faults = new ServiceFaults(new Map([['cache', fake('cache', log)]]), 5000);
    const step: ServiceFault = { kind: 'restart_service', service: 'cache' };
    const r = await faults.apply(step);
    await faults.apply({ ...step, graceMs: 100 });
    expect(log).toEqual(['cache down 5000', 'cache up 2', 'cache down 100', 'cache up 3']);
    expect(r).toMatchObject({ kind: 'restart_service', before: 'pid 1', after: 'pid 2' });
  });

  it('keeps a service down during its outage, brings it back when its time is over, and a later step waits for that', async () => {
    const log: string[] = [];
    const faults = new ServiceFaults(new Map([['cache', fake('cache', log)]]), 5000);
    await faults.apply({ kind: 'outage', service: 'cache', ms: 3000 });
    expect(faults.down()).toEqual(['cache']);
    await faults.settle(); // the outage is not over: nothing to wait for
    expect(log).toEqual(['cache down 5000']);
    await vi.advanceTimersByTimeAsync(3000);
    await faults.settle();
    expect(faults.down()).toEqual([]);
    expect(log).toEqual(['cache down 5000', 'cache up 2']);
  });

  it('ends an outage early when another fault hits the service, and cancels the rest at the end', async () => {
    const log: string[] = [];
    const faults = new ServiceFaults(
      new Map([
        ['cache', fake('cache', log)],
        ['db', fake('db', log)],
      ]),
      5000,
    );
    await faults.apply({ kind: 'outage', service: 'cache', ms: 60_000 });
    await faults.apply({ kind: 'outage', service: 'db', ms: 60_000 });
    await faults.apply({ kind: 'wipe_service', service: 'cache' });
    await faults.cancel();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['cache down 5000', 'db down 5000', 'cache up 2', 'cache wipe 3']);
  });

  it('refuses a service it does not know or cannot fault', async () => {
    const faults = new ServiceFaults(
      new Map([['ext', { name: 'ext', url: 'x', release: async () => {} }]]),
      1,
    );
    await expect(faults.apply({ kind: 'wipe_service', service: 'nope' })).rejects.toThrow(
      /no service `nope`.*there are: ext/,
    );
    await expect(faults.apply({ kind: 'wipe_service', service: 'ext' })).rejects.toThrow(
      /service `ext` is not one amnesia runs/,
    );
  });
});
