/**
 * The autoscaler (Celery's `--autoscale MAX,MIN`, `celery/worker/autoscale.py`): every
 * interval it compares the demand — requests waiting for an executor or running on one —
 * with the pool's size, grows the pool at once up to `max` while tasks wait, and shrinks
 * it down to `min` (never below the demand) once no growth happened for `keepaliveMs`.
 * The `autoscale` control command changes `max` and `min` while it runs.
 */
import type { WorkerClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Pool } from './pool.js';

/** Options of {@link Autoscaler}. */
export interface AutoscalerOptions {
  readonly pool: Pool;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  readonly max: number;
  readonly min: number;
  /** Shrink only this long after the last growth (Celery's `AUTOSCALE_KEEPALIVE`, 30 s). */
  readonly keepaliveMs?: number;
  /** How often to look (Celery: on each task received and every second). */
  readonly intervalMs?: number;
  /** Told the new max (the consumer's prefetch follows it, as in Celery). */
  readonly onMax: (max: number) => void;
}

/** Grows and shrinks a pool with its demand. */
export class Autoscaler {
  readonly #o: AutoscalerOptions;
  #max: number;
  #min: number;
  #lastGrowth = Number.NEGATIVE_INFINITY;
  #timer: unknown;
  #scaling = false;

  constructor(options: AutoscalerOptions) {
    this.#o = options;
    this.#max = options.max;
    this.#min = options.min;
  }

  /** The most executors it grows to. */
  get max(): number {
    return this.#max;
  }

  /** Start looking every interval; returns the function that stops it. */
  start(): () => void {
    const { clock } = this.#o;
    const intervalMs = this.#o.intervalMs ?? 1000;
    let stopped = false;
    const loop = () => {
      if (stopped) return;
      void this.scale().finally(() => {
        if (!stopped) this.#timer = clock.setTimeout(loop, intervalMs);
      });
    };
    this.#timer = clock.setTimeout(loop, intervalMs);
    return () => {
      stopped = true;
      clock.clearTimeout(this.#timer);
    };
  }

  /** One look: grow to the demand (≤ max), or shrink towards it (≥ min) after keepalive. */
  async scale(): Promise<void> {
    if (this.#scaling) return;
    this.#scaling = true;
    try {
      const { pool, clock } = this.#o;
      const size = pool.concurrency;
      const demand = pool.demand;
      const up = Math.min(demand, this.#max);
      if (up > size) {
        this.#lastGrowth = clock.now();
        this.#o.logger.info(`Scaling up ${up - size} executor(s)`);
        await pool.grow(up - size);
        return;
      }
      const down = Math.max(demand, this.#min, 1);
      const keepalive = this.#o.keepaliveMs ?? 30_000;
      if (down < size && clock.now() - this.#lastGrowth > keepalive) {
        this.#o.logger.info(`Scaling down ${size - down} executor(s)`);
        await pool.shrink(size - down);
      }
    } finally {
      this.#scaling = false;
    }
  }

  /** The `autoscale` command: new max and/or min; returns them. */
  async update(max: number | undefined, min: number | undefined): Promise<[number, number]> {
    const { pool } = this.#o;
    if (max !== undefined) {
      if (max < pool.concurrency) await pool.shrink(pool.concurrency - max);
      this.#o.onMax(max);
      this.#max = max;
    }
    if (min !== undefined) {
      if (min > pool.concurrency) await pool.grow(min - pool.concurrency);
      this.#min = min;
    }
    return [this.#max, this.#min];
  }

  /** `inspect stats` → `autoscaler`, as Celery's `Autoscaler.info()`. */
  info(): Record<string, unknown> {
    const pool = this.#o.pool;
    return { max: this.#max, min: this.#min, current: pool.concurrency, qty: pool.demand };
  }
}
