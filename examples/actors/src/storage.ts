/**
 * A simulated, in-process storage service: it can be made unreachable and reachable
 * again, as a database behind a flaky network would be.
 */

/** What the storage holds and how it fails. */
export class Storage implements AsyncDisposable {
  readonly items: string[] = [];
  reachable = true;
  closed = false;

  /** Writes items; throws while unreachable. */
  async write(batch: readonly string[]): Promise<void> {
    await Promise.resolve();
    if (!this.reachable) throw new Error('storage unreachable');
    this.items.push(...batch);
  }

  /** Whether a round trip succeeds. */
  async ping(): Promise<boolean> {
    await Promise.resolve();
    return this.reachable;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.resolve();
    this.closed = true;
  }
}

/** A simulated feed: every fetch returns the entries published since the last one. */
export class Feed {
  #next = 1;
  closed = false;

  /** Returns one to three new entries. */
  async fetch(): Promise<string[]> {
    await Promise.resolve();
    const count = 1 + (this.#next % 3);
    return Array.from({ length: count }, () => `entry-${this.#next++}`);
  }

  close(): void {
    this.closed = true;
  }
}
