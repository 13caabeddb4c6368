/**
 * One leadership term as the replica holding the token keeps it: live until it goes `ttlMs`
 * without a renewal, when a watchdog gives the token back ("a leader that stops renewing
 * loses it within the lease", in process; across a hung process the heartbeat does it).
 */
import type { LeaderLease } from '@celeriac/protocol';

/** A term and its watchdog. */
export class LeaderTerm {
  readonly lease: LeaderLease;
  readonly #onLapse: () => void;
  #deadline = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(lease: LeaderLease, ttlMs: number, onLapse: () => void) {
    this.lease = lease;
    this.#onLapse = onLapse;
    this.renew(ttlMs);
  }

  /** Live: not ended, and renewed within its ttl. */
  get live(): boolean {
    return !this.#ended && Date.now() < this.#deadline;
  }

  /** Extend by `ttlMs` from now. */
  renew(ttlMs: number): void {
    if (this.#ended) return;
    this.#deadline = Date.now() + ttlMs;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.end();
      this.#onLapse();
    }, ttlMs);
    this.#timer.unref();
  }

  /** End now (released, or the token is gone). */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
  }
}
