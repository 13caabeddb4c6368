/**
 * Deadlines of unconfirmed publishes, checked by one periodic sweep instead of a timer per
 * publish: arming and clearing a `setTimeout` for each of thousands of publishes a second
 * cost more than the publish itself. A deadline may fire up to one sweep interval late.
 */

/** Something waiting for a broker confirm until `deadline` (ms since the epoch). */
export interface PendingDeadline {
  readonly deadline: number;
  /** Called once the deadline has passed. */
  expire(): void;
}

/** The set of pending deadlines of one publisher, and the sweep that expires them. */
export class ConfirmDeadlines {
  readonly #pending = new Set<PendingDeadline>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  /** `timeoutMs` is the usual timeout; the sweep runs ten times per timeout, 10 ms to 1 s apart. */
  constructor(timeoutMs: number) {
    this.#intervalMs = Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 10)));
  }

  /** Number of publishes awaiting their confirm. */
  get size(): number {
    return this.#pending.size;
  }

  add(entry: PendingDeadline): void {
    this.#pending.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#intervalMs);
      // Pending publishes keep their own callers waiting; the sweep must not keep a process up.
      this.#timer.unref();
    }
  }

  delete(entry: PendingDeadline): void {
    // The interval is cleared by the next sweep that finds nothing pending, so a steady
    // trickle of publishes does not arm and clear it each time.
    this.#pending.delete(entry);
  }

  #sweep(): void {
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry);
        entry.expire();
      }
    }
  }

  /** Stop sweeping (the transport closed); pending entries are failed by their channel closing. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
