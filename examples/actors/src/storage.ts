/**
 * A simulated, in-process storage service and feed: storage can be made unreachable and
 * reachable again, as a database behind a flaky network would be; the feed can be told to
 * serve one corrupt entry.
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

/** An entry the poller cannot parse. */
export class CorruptEntryError extends Error {
  override readonly name = 'CorruptEntryError';
}

/** A simulated feed: every fetch returns the entries published since the last one. */
export class Feed {
  #next = 1;
  /** Serve one corrupt entry on the next fetch. */
  corruptNext = false;
  closed = false;

  /** Returns one to three new entries. */
  async fetch(): Promise<string[]> {
    await Promise.resolve();
    const count = 1 + (this.#next % 3);
    const entries = Array.from({ length: count }, () => `entry-${this.#next++}`);
    if (this.corruptNext) {
      this.corruptNext = false;
      entries.push('{corrupt');
    }
    return entries;
  }

  close(): void {
    this.closed = true;
  }
}
