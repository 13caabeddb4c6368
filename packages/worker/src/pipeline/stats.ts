/**
 * The counters behind `inspect stats` and heartbeats: tasks finished, in all and per
 * name, and when the worker started.
 */

/** Counters of one worker; the finish stage counts. */
export class WorkerStats {
  /** Tasks finished per name. */
  readonly total = new Map<string, number>();
  /** Tasks finished in all. */
  processed = 0;
  /** When the worker was created (unix ms). */
  readonly startedAt: number;

  constructor(now: number) {
    this.startedAt = now;
  }

  /** Count one finished task of `name`. */
  count(name: string): void {
    this.processed += 1;
    this.total.set(name, (this.total.get(name) ?? 0) + 1);
  }
}
