/**
 * Celery's `LimitedSet`: the ids of revoked tasks, bounded in size (oldest dropped first)
 * and in age (entries expire), so a long-lived worker does not grow without end.
 */

/** Options of {@link LimitedSet}. */
export interface LimitedSetOptions {
  /** Most entries kept; default 50,000 (Celery's `REVOKES_MAX`). */
  maxSize?: number;
  /** Lifetime of an entry in ms; default 3 h (Celery's `REVOKE_EXPIRES`). */
  expiresMs?: number;
  /** Current time in ms; default `Date.now`. */
  now?: () => number;
}

/** A set of strings with a size bound and per-entry expiry. */
export class LimitedSet {
  readonly #entries = new Map<string, number>();
  readonly #maxSize: number;
  readonly #expiresMs: number;
  readonly #now: () => number;

  constructor(options: LimitedSetOptions = {}) {
    this.#maxSize = options.maxSize ?? 50_000;
    this.#expiresMs = options.expiresMs ?? 10_800_000;
    this.#now = options.now ?? Date.now;
  }

  /** Add (or refresh) an entry. */
  add(value: string): void {
    this.#entries.delete(value);
    this.#entries.set(value, this.#now() + this.#expiresMs);
    this.#purge();
  }

  /** True when present and not expired. */
  has(value: string): boolean {
    const expires = this.#entries.get(value);
    if (expires === undefined) return false;
    if (expires <= this.#now()) {
      this.#entries.delete(value);
      return false;
    }
    return true;
  }

  /** Remove an entry. */
  delete(value: string): boolean {
    return this.#entries.delete(value);
  }

  /** Live entries, oldest first. */
  values(): string[] {
    this.#purge();
    return [...this.#entries.keys()];
  }

  /** Number of live entries. */
  get size(): number {
    this.#purge();
    return this.#entries.size;
  }

  #purge(): void {
    const now = this.#now();
    // Entries are in insertion order, which is expiry order: stop at the first live one.
    for (const [value, expires] of this.#entries) {
      if (expires > now && this.#entries.size <= this.#maxSize) break;
      this.#entries.delete(value);
    }
  }
}
