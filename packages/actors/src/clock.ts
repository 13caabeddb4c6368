/**
 * Injected time (STYLE.md 11). Every delay in the runtime — resource timeouts, task retry
 * backoff, supervisor backoff, health-check intervals, XState `after` transitions — goes
 * through one {@link Clock}, so tests run on {@link SimulatedClock} instead of sleeping.
 */
import { setImmediate as immediate } from 'node:timers/promises';

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * A source of time and timers. Structurally compatible with XState's `Clock`, so the
 * same object drives the statechart's delayed transitions.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and the host's timers. The default of an actor system. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Lets every pending promise continuation run: one macrotask turn drains the microtask
 * queue, however deep the chain. Not a sleep — no time passes on any clock.
 */
export async function flushMicrotasks(): Promise<void> {
  await immediate();
}

interface SimulatedTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in due order, and between two timers
 * (and after the last) pending promise continuations are flushed, so async code that awaits
 * and then sets the next timer behaves as it would in real time.
 *
 * @example
 * ```ts
 * const clock = new SimulatedClock();
 * const system = createActorSystem({ clock });
 * await clock.advance(1_000); // fires every timer due in the next second, in order
 * ```
 */
export class SimulatedClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: SimulatedTimer[] = [];

  /** @param start - the initial reading of {@link SimulatedClock.now}. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The simulated time. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + ms` (negative delays count as 0). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: SimulatedTimer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    // Kept sorted by due time, then by creation, so equal-time timers fire in FIFO order.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.at > timer.at) i--;
    this.#timers.splice(i, 0, timer);
    return timer.id;
  }

  /** Cancels a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the next pending timer, or `undefined` when none is pending. */
  get nextTimerAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including
   * timers set by the ones that fire), flushing microtasks after each.
   */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > until) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
      await flushMicrotasks();
    }
    this.#now = until;
    await flushMicrotasks();
  }

  /**
   * Fires pending timers in order until none is left (or `maxTimers` fired, which guards
   * against a loop that always sets another timer), flushing microtasks after each.
   */
  async runAll(maxTimers = 10_000): Promise<void> {
    await flushMicrotasks();
    for (let fired = 0; fired < maxTimers; fired++) {
      const next = this.#timers.shift();
      if (next === undefined) return;
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await flushMicrotasks();
    }
    throw new Error(
      `SimulatedClock.runAll: still ${this.#timers.length} timers after ${maxTimers}`,
    );
  }
}
