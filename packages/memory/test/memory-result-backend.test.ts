import { MemoryResultBackend, MemoryResultStore } from '@celeriac/memory';
import type { Clock } from '@celeriac/memory';
import { ErrorCode } from '@celeriac/protocol';
import { resultMeta } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';

/** Simulated time: timers fire only when the test advances the clock. */
class FakeClock implements Clock {
  time = 1_000_000;
  readonly timers = new Map<number, { at: number; callback: () => void }>();
  #id = 0;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.time += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.time) {
        this.timers.delete(id);
        timer.callback();
      }
    }
  }
}

describe('MemoryResultBackend', () => {
  it('expires results and groups on the injected clock with one sweep timer', async () => {
    const clock = new FakeClock();
    const store = new MemoryResultStore({ clock });
    const backend = new MemoryResultBackend({ store, expiresMs: 1000 });
    for (let i = 0; i < 50; i++) await backend.store(resultMeta(`t${i}`, 'SUCCESS', i));
    await backend.saveGroup({ groupId: 'g', taskIds: ['t0'] });
    expect(clock.timers.size).toBe(1);
    expect(store.size).toBe(50);
    clock.advance(999);
    expect((await backend.get('t49')).result).toBe(49);
    clock.advance(1);
    // Swept by the timer, not only hidden on read.
    expect(store.size).toBe(0);
    expect((await backend.get('t0')).status).toBe('PENDING');
    expect(await backend.getGroup('g')).toBeUndefined();
    expect(clock.timers.size).toBe(0);
  });

  it('keeps results forever with expiresMs 0, and a re-store renews expiry', async () => {
    const clock = new FakeClock();
    const store = new MemoryResultStore({ clock });
    const forever = new MemoryResultBackend({ store, expiresMs: 0 });
    const expiring = new MemoryResultBackend({ store, expiresMs: 100 });
    await forever.store(resultMeta('kept', 'SUCCESS', 1));
    await expiring.store(resultMeta('renewed', 'STARTED'));
    clock.advance(60);
    await expiring.store(resultMeta('renewed', 'SUCCESS', 2));
    clock.advance(60);
    expect((await forever.get('kept')).status).toBe('SUCCESS');
    expect((await forever.get('renewed')).status).toBe('SUCCESS');
    clock.advance(60);
    expect((await forever.get('renewed')).status).toBe('PENDING');
  });

  it('copies results in and out', async () => {
    const backend = new MemoryResultBackend({ store: new MemoryResultStore() });
    const value = { list: [1] };
    await backend.store(resultMeta('t', 'SUCCESS', value));
    value.list.push(2);
    const read = await backend.get('t');
    (read.result as { list: number[] }).list.push(3);
    expect((await backend.get('t')).result).toEqual({ list: [1] });
  });

  it('rejects pending waits with ClosedError on close, and calls after close', async () => {
    const backend = new MemoryResultBackend({ store: new MemoryResultStore() });
    const waiting = backend.wait('t');
    await backend.close();
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.closed });
    await expect(backend.get('t')).rejects.toMatchObject({ code: ErrorCode.closed });
    await expect(backend.close()).resolves.toBeUndefined();
  });

  it('rejects the wait with the error an onUpdate callback throws', async () => {
    const store = new MemoryResultStore();
    const backend = new MemoryResultBackend({ store });
    const waiting = backend.wait('t', {
      onUpdate: () => {
        throw new Error('listener bug');
      },
    });
    await backend.store(resultMeta('t', 'STARTED'));
    await expect(waiting).rejects.toThrow('listener bug');
  });
});
