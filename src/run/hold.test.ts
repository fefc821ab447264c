import { afterEach, describe, expect, it, vi } from 'vitest';
import { TurnHold } from './hold.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('TurnHold', () => {
  it('is in flight once every turn reached the LLM or ended, and holds each until released', async () => {
    const hold = new TurnHold(3);
    let settled = false;
    void hold.inFlight.then(() => {
      settled = true;
    });
    const a = hold.hooks(0).firstRequest?.();
    const b = hold.hooks(1).firstRequest?.();
    await Promise.resolve();
    expect(settled).toBe(false);
    hold.ended(2); // answered without calling the LLM
    expect(await hold.inFlight).toEqual({ late: [] });
    let aDone = false;
    void a?.then(() => {
      aDone = true;
    });
    hold.release(1);
    await b;
    expect(aDone).toBe(false);
    hold.releaseAll();
    await a;
    expect(aDone).toBe(true);
  });

  it('lets the group go after the limit, naming the turns that never reached the LLM', async () => {
    vi.useFakeTimers();
    const hold = new TurnHold(2, 5_000);
    void hold.hooks(0).firstRequest?.();
    vi.advanceTimersByTime(5_000);
    expect(await hold.inFlight).toEqual({ late: [1] });
  });

  it('an empty group is in flight at once', async () => {
    expect(await new TurnHold(0).inFlight).toEqual({ late: [] });
  });
});
