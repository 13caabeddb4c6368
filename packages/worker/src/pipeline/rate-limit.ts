/**
 * Task rate limits: Celery's `"10/s"`, `"100/m"`, `"5/h"` strings (a bare number means
 * per second) and the token bucket that enforces them per task type, per worker.
 */
import { InvalidOptionError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Parse a rate limit into tasks per millisecond; `null`, `0` or `""` mean no limit. */
export function parseRateLimit(limit: string | number | null | undefined): number | null {
  if (limit === null || limit === undefined || limit === '' || limit === 0) return null;
  if (typeof limit === 'number') {
    if (!(limit > 0)) throw new InvalidOptionError('rateLimit', `${limit} is not positive`);
    return limit / 1000;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(limit);
  if (!match) {
    throw new InvalidOptionError(
      'rateLimit',
      `${JSON.stringify(limit)} is not a rate such as "10/s", "100/m" or "5/h"`,
    );
  }
  const count = Number(match[1]);
  if (count === 0) return null;
  return count / UNIT_MS[match[2] ?? 's']!;
}

/**
 * A token bucket (kombu's `TokenBucket`): `fillRate` tokens per ms, at most `capacity`
 * held. Celery gives each rate-limited task a bucket of capacity 1, so tasks are spaced
 * evenly rather than bursting.
 */
export class TokenBucket {
  readonly fillRate: number;
  readonly capacity: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;

  constructor(fillRate: number, options: { capacity?: number; now?: () => number } = {}) {
    this.fillRate = fillRate;
    this.capacity = options.capacity ?? 1;
    this.#tokens = this.capacity;
    this.#now = options.now ?? Date.now;
    this.#last = this.#now();
  }

  /** Take `tokens` when available; false (and nothing taken) otherwise. */
  canConsume(tokens = 1): boolean {
    this.#refill();
    if (tokens <= this.#tokens) {
      this.#tokens -= tokens;
      return true;
    }
    return false;
  }

  /** Milliseconds until `tokens` are available (0 when they are now). */
  expectedTime(tokens = 1): number {
    this.#refill();
    return tokens <= this.#tokens ? 0 : Math.ceil((tokens - this.#tokens) / this.fillRate);
  }

  #refill(): void {
    const now = this.#now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#last) * this.fillRate);
      this.#last = now;
    }
  }
}
