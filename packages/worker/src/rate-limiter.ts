/**
 * Per-task-type rate limits on one worker: a token bucket per task name; requests over
 * the limit wait here in memory (received, unacked, raising prefetch by one each) and
 * are released in arrival order as tokens refill.
 */
import type { WorkerClock } from './clock.js';
import { TokenBucket } from './rate-limit.js';
import { RequestPhase, type TaskRequest } from './task-request.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  clock: WorkerClock;
  /** Called when a waiting request may run. */
  onReady: (request: TaskRequest) => void;
  /** Called with +1 / -1 as requests start and stop waiting (prefetch bump). */
  onHeldChange?: (delta: number) => void;
}

interface Lane {
  bucket: TokenBucket;
  waiting: TaskRequest[];
  handle: unknown;
}

/** Token buckets and waiting lines, keyed by task name. */
export class RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #lanes = new Map<string, Lane>();

  constructor(options: RateLimiterOptions) {
    this.#options = options;
  }

  /**
   * Let `request` through now (true), or hold it until a token is available (false).
   * `perMs` is the task's rate in tasks per ms; null means unlimited.
   */
  admit(request: TaskRequest, perMs: number | null): boolean {
    if (perMs === null) return true;
    const lane = this.#lane(request.name, perMs);
    if (lane.waiting.length === 0 && lane.bucket.canConsume()) return true;
    request.phase = RequestPhase.rateLimited;
    lane.waiting.push(request);
    this.#options.onHeldChange?.(1);
    this.#arm(lane);
    return false;
  }

  /** Change (or remove, with null) a task's rate; waiting requests follow the new rate. */
  setRate(name: string, perMs: number | null): void {
    const lane = this.#lanes.get(name);
    if (!lane) return;
    if (perMs === null) {
      this.#options.clock.clearTimeout(lane.handle);
      this.#lanes.delete(name);
      this.#release(lane, lane.waiting.length);
      return;
    }
    lane.bucket = this.#bucket(perMs);
    this.#arm(lane);
  }

  /** Requests waiting for a token. */
  waiting(): TaskRequest[] {
    return [...this.#lanes.values()].flatMap((lane) => lane.waiting);
  }

  /** Stop holding requests with this id; returns them. */
  take(taskId: string): TaskRequest[] {
    const taken: TaskRequest[] = [];
    for (const lane of this.#lanes.values()) {
      const keep = lane.waiting.filter((r) => r.id !== taskId);
      taken.push(...lane.waiting.filter((r) => r.id === taskId));
      lane.waiting = keep;
    }
    if (taken.length > 0) this.#options.onHeldChange?.(-taken.length);
    return taken;
  }

  /** Release every waiting request (shutdown), timers cleared. */
  drain(): TaskRequest[] {
    const all: TaskRequest[] = [];
    for (const lane of this.#lanes.values()) {
      this.#options.clock.clearTimeout(lane.handle);
      all.push(...lane.waiting);
      lane.waiting = [];
    }
    if (all.length > 0) this.#options.onHeldChange?.(-all.length);
    return all;
  }

  #bucket(perMs: number): TokenBucket {
    return new TokenBucket(perMs, { now: () => this.#options.clock.now() });
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
    this.#options.clock.clearTimeout(lane.handle);
    if (lane.waiting.length === 0) return;
    lane.handle = this.#options.clock.setTimeout(
      () => {
        lane.handle = undefined;
        let ready = 0;
        while (ready < lane.waiting.length && lane.bucket.canConsume()) ready++;
        this.#release(lane, ready);
        this.#arm(lane);
      },
      Math.max(1, lane.bucket.expectedTime()),
    );
  }

  #release(lane: Lane, count: number): void {
    const ready = lane.waiting.splice(0, count);
    if (ready.length > 0) this.#options.onHeldChange?.(-ready.length);
    for (const request of ready) this.#options.onReady(request);
  }
}
