/**
 * Per-task-type rate limits on one worker: a token bucket per task name. A request over
 * the limit waits here in memory (received, unacknowledged) and is released in arrival
 * order as tokens refill; `wait` resolves with why it was released.
 */
import type { WorkerClock } from '../clock.js';
import type { Release } from './eta-timer.js';
import { TokenBucket } from './rate-limit.js';
import type { TaskRequest } from './request.js';

interface Waiting {
  readonly request: TaskRequest;
  readonly release: (why: Release) => void;
}

interface Lane {
  bucket: TokenBucket;
  waiting: Waiting[];
  handle: unknown;
}

/** Token buckets and waiting lines, keyed by task name. */
export class RateLimiter {
  readonly #clock: WorkerClock;
  readonly #lanes = new Map<string, Lane>();

  constructor(clock: WorkerClock) {
    this.#clock = clock;
  }

  /**
   * Whether `request` may run now (a token taken). `perMs` is its task's rate in tasks
   * per ms; null means unlimited. When false, {@link wait} for a token.
   */
  admit(request: TaskRequest, perMs: number | null): boolean {
    if (perMs === null) return true;
    const lane = this.#lane(request.name, perMs);
    return lane.waiting.length === 0 && lane.bucket.canConsume();
  }

  /** Wait for a token (`due`), or until withdrawn. Call after `admit` said no. */
  wait(request: TaskRequest, perMs: number): Promise<Release> {
    const lane = this.#lane(request.name, perMs);
    return new Promise((release) => {
      lane.waiting.push({ request, release });
      this.#arm(lane);
    });
  }

  /** Change (or remove, with null) a task's rate; waiting requests follow the new rate. */
  setRate(name: string, perMs: number | null): void {
    const lane = this.#lanes.get(name);
    if (!lane) return;
    if (perMs === null) {
      this.#clock.clearTimeout(lane.handle);
      this.#lanes.delete(name);
      for (const w of lane.waiting.splice(0)) w.release('due');
      return;
    }
    lane.bucket = this.#bucket(perMs);
    this.#arm(lane);
  }

  /** Requests waiting for a token. */
  waiting(): TaskRequest[] {
    return [...this.#lanes.values()].flatMap((lane) => lane.waiting.map((w) => w.request));
  }

  /** Release the requests of `taskId` as revoked; returns how many. */
  withdraw(taskId: string): number {
    let count = 0;
    for (const lane of this.#lanes.values()) {
      const keep: Waiting[] = [];
      for (const w of lane.waiting) {
        if (w.request.id !== taskId) keep.push(w);
        else {
          w.release('revoked');
          count++;
        }
      }
      lane.waiting = keep;
    }
    return count;
  }

  /** Release every waiting request (shutdown), timers cleared; returns how many. */
  drain(): number {
    let count = 0;
    for (const lane of this.#lanes.values()) {
      this.#clock.clearTimeout(lane.handle);
      for (const w of lane.waiting.splice(0)) {
        w.release('drained');
        count++;
      }
    }
    return count;
  }

  #bucket(perMs: number): TokenBucket {
    return new TokenBucket(perMs, { now: () => this.#clock.now() });
  }

  #lane(name: string, perMs: number): Lane {
    const lane = this.#lanes.get(name);
    if (!lane) {
      const created: Lane = { bucket: this.#bucket(perMs), waiting: [], handle: undefined };
      this.#lanes.set(name, created);
      return created;
    }
    if (lane.bucket.fillRate !== perMs) lane.bucket = this.#bucket(perMs);
    return lane;
  }

  #arm(lane: Lane): void {
    this.#clock.clearTimeout(lane.handle);
    if (lane.waiting.length === 0) return;
    lane.handle = this.#clock.setTimeout(
      () => {
        lane.handle = undefined;
        while (lane.waiting.length > 0 && lane.bucket.canConsume()) {
          lane.waiting.shift()!.release('due');
        }
        this.#arm(lane);
      },
      Math.max(1, lane.bucket.expectedTime()),
    );
  }
}
