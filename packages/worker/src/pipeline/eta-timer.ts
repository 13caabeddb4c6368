/**
 * The ETA timer: holds requests with a future `eta` (countdowns, retries) in memory,
 * unacknowledged, until they are due, without occupying an executor. `hold` resolves with
 * why the request was released: due, revoked meanwhile, or handed back at shutdown.
 */
import type { WorkerClock } from '../clock.js';
import type { TaskRequest } from './request.js';

/** Why a held request was released. */
export type Release = 'due' | 'revoked' | 'drained';

interface Held {
  readonly request: TaskRequest;
  readonly release: (why: Release) => void;
  handle: unknown;
}

/** Longest single wait; longer ETAs re-arm, so clock jumps and huge delays stay correct. */
const MAX_WAIT_MS = 2 ** 30;

/** Holds ETA requests until due. */
export class EtaTimer {
  readonly #clock: WorkerClock;
  readonly #held = new Set<Held>();

  constructor(clock: WorkerClock) {
    this.#clock = clock;
  }

  /** Hold `request` until its `eta` (or until it is withdrawn). */
  hold(request: TaskRequest): Promise<Release> {
    return new Promise((resolve) => {
      const held: Held = { request, release: resolve, handle: undefined };
      this.#held.add(held);
      this.#arm(held);
    });
  }

  #arm(held: Held): void {
    const wait = Math.max(0, (held.request.eta ?? 0) - this.#clock.now());
    held.handle = this.#clock.setTimeout(
      () => {
        if (!this.#held.has(held)) return;
        if ((held.request.eta ?? 0) > this.#clock.now()) {
          this.#arm(held);
          return;
        }
        this.#held.delete(held);
        held.release('due');
      },
      Math.min(wait, MAX_WAIT_MS),
    );
  }

  /** Requests held now, soonest first. */
  scheduled(): TaskRequest[] {
    return [...this.#held].map((h) => h.request).sort((a, b) => (a.eta ?? 0) - (b.eta ?? 0));
  }

  /** Number of held requests. */
  get size(): number {
    return this.#held.size;
  }

  /** Release the requests of `taskId` as revoked; returns how many. */
  withdraw(taskId: string): number {
    let count = 0;
    for (const held of this.#held) {
      if (held.request.id !== taskId) continue;
      this.#release(held, 'revoked');
      count++;
    }
    return count;
  }

  /** Release everything (shutdown): the owners hand the messages back. */
  drain(): number {
    const all = [...this.#held];
    for (const held of all) this.#release(held, 'drained');
    return all.length;
  }

  #release(held: Held, why: Release): void {
    this.#clock.clearTimeout(held.handle);
    this.#held.delete(held);
    held.release(why);
  }
}
