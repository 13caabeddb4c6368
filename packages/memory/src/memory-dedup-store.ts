/**
 * Dedup records of one `memory://` host: key → the task id that holds it, until it
 * expires on the store's clock. Claims are atomic trivially (one event loop), so every
 * client of the host agrees on which send runs — the in-process twin of a Redis
 * `SET key taskId NX PX ttl`.
 */
import type { DedupClaim } from '@celeriac/protocol';
import type { Clock } from './clock.js';

interface DedupEntry {
  taskId: string;
  /** Absolute expiry in ms on the clock. */
  expiresAt: number;
}

/** Keys swept on a claim at most, so a flood of distinct keys costs O(1) each. */
const SWEEP_PER_CLAIM = 8;

/** Dedup records by key; expired ones are dropped lazily. */
export class MemoryDedupStore {
  readonly #clock: Clock;
  /** In claim order, so the oldest (first to expire for one TTL) are swept first. */
  readonly #entries = new Map<string, DedupEntry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** See `ResultBackend.claimDedup`. */
  claim(key: string, taskId: string, ttlMs: number): DedupClaim {
    const now = this.#clock.now();
    this.#sweep(now);
    const held = this.#entries.get(key);
    if (held && held.expiresAt > now) {
      return held.taskId === taskId ? { claimed: true } : { claimed: false, taskId: held.taskId };
    }
    this.#entries.delete(key);
    this.#entries.set(key, { taskId, expiresAt: now + ttlMs });
    return { claimed: true };
  }

  /** See `ResultBackend.releaseDedup`. */
  release(key: string, taskId: string): void {
    if (this.#entries.get(key)?.taskId === taskId) this.#entries.delete(key);
  }

  #sweep(now: number): void {
    let swept = 0;
    for (const [key, entry] of this.#entries) {
      if (swept++ >= SWEEP_PER_CLAIM) break;
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
