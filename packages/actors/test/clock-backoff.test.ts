import { describe, expect, it } from 'vitest';
import { SimulatedClock, backoffDelay, seededRandom } from '@celeriac/actors';

describe('SimulatedClock', () => {
  it('fires timers in due order (FIFO on ties), including timers set by timers', async () => {
    const clock = new SimulatedClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    await clock.advance(14);
    expect(fired).toEqual(['a@1010']);
    await clock.advance(6);
    expect(fired).toEqual(['a@1010', 'c@1015', 'b@1020', 'b2@1020']);
    expect(clock.now()).toBe(1_020);
    expect(clock.pendingTimers).toBe(0);
  });

  it('flushes promise chains between timers', async () => {
    const clock = new SimulatedClock();
    const seen: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((r) => clock.setTimeout(r, 100));
        await Promise.resolve();
        seen.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(1_000);
    await done;
    expect(seen).toEqual([100, 200, 300]);
  });

  it('runAll drains every timer and refuses an endless loop', async () => {
    const clock = new SimulatedClock();
    let n = 0;
    clock.setTimeout(() => n++, 5_000);
    await clock.runAll();
    expect([n, clock.now()]).toEqual([1, 5_000]);
    const again = (): void => void clock.setTimeout(again, 1);
    again();
    await expect(clock.runAll(50)).rejects.toThrow(/still 1 timers after 50/);
  });
});

describe('backoffDelay', () => {
  it('grows by factor up to maxMs, jittered either way', () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(policy, n, Math.random))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(backoffDelay({ ...policy, jitter: 0.2 }, 0, () => 0)).toBe(80);
    expect(backoffDelay({ ...policy, jitter: 0.2 }, 0, () => 0.999999)).toBe(120);
    expect(backoffDelay({ ...policy, jitter: 0.5 }, 4, () => 0.999999)).toBe(1_000);
    expect(backoffDelay({ initialMs: 10, factor: 3 }, 2, Math.random)).toBe(90);
  });

  it('seededRandom is deterministic and uniform-ish', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
