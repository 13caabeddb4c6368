/**
 * A replica's connection to a {@link MemoryBeatStore}: the `BeatCoordination` of
 * `memory://` URLs, for one process (development, tests, `celeriac worker -B` on memory).
 */
import { ClosedError, ConnectionLostError } from '@celeriac/protocol';
import type {
  BeatCoordination,
  ClaimResult,
  EntryRun,
  LeaderInfo,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from '@celeriac/protocol';
import type { MemoryBroker } from './memory-broker.js';
import type { MemoryBeatStore } from './memory-beat-store.js';
import { memoryBeatStore, memoryBroker, memoryUrlName } from './memory-registry.js';

/** Options of {@link MemoryBeatCoordination}. */
export interface MemoryBeatCoordinationOptions {
  /** The store (default: the process-wide one of `memory://` and `namespace`). */
  store?: MemoryBeatStore;
  /** The namespace when `store` is not given; default `celeriac`. */
  namespace?: string;
  /** The broker whose queues `queueExists` reads (default: the `memory://` one of the store). */
  broker?: MemoryBroker;
}

/**
 * One replica's view of a memory coordination store. Calls are asynchronous like a real
 * store's, and each is one atomic step of the store.
 *
 * @example
 * ```ts
 * const store = new MemoryBeatStore({ clock });
 * const a = new MemoryBeatCoordination({ store });
 * const b = new MemoryBeatCoordination({ store });
 * const lease = await a.acquireLeadership('a', 10_000); // { holder: 'a', epoch: 1 }
 * await b.acquireLeadership('b', 10_000); // undefined while a's term lives
 * ```
 */
export class MemoryBeatCoordination implements BeatCoordination {
  readonly kind = 'memory';
  readonly store: MemoryBeatStore;
  readonly #broker: MemoryBroker;
  #closed = false;
  #suspended = false;

  constructor(options: MemoryBeatCoordinationOptions = {}) {
    this.store = options.store ?? memoryBeatStore('', options.namespace);
    this.#broker = options.broker ?? memoryBroker(this.store.name);
  }

  get namespace(): string {
    return this.store.namespace;
  }

  /**
   * Make every call of this connection fail with a `ConnectionLostError` until
   * {@link MemoryBeatCoordination.resume}, as a broker outage would: how tests show a beat
   * going degraded and losing leadership on simulated time.
   */
  suspend(): void {
    this.#suspended = true;
  }

  /** End a {@link MemoryBeatCoordination.suspend}. */
  resume(): void {
    this.#suspended = false;
  }

  async #call<T>(what: string, step: () => T): Promise<T> {
    // A real store answers after a round trip; so does this one, one microtask later.
    await Promise.resolve();
    if (this.#closed) throw new ClosedError(`memory beat coordination (${what})`);
    if (this.#suspended) {
      throw new ConnectionLostError(
        `memory://${this.store.name} beat coordination is unreachable (suspended): ${what}`,
      );
    }
    return step();
  }

  connect(): Promise<void> {
    return this.#call('connect', () => undefined);
  }

  acquireLeadership(holder: string, ttlMs: number): Promise<LeaderLease | undefined> {
    return this.#call('acquireLeadership', () => this.store.acquire(holder, ttlMs));
  }

  renewLeadership(lease: LeaderLease, ttlMs: number): Promise<boolean> {
    return this.#call('renewLeadership', () => this.store.renew(lease, ttlMs));
  }

  releaseLeadership(lease: LeaderLease): Promise<void> {
    return this.#call('releaseLeadership', () => this.store.release(lease));
  }

  leader(): Promise<LeaderInfo | undefined> {
    return this.#call('leader', () => this.store.leader());
  }

  claimRun(lease: LeaderLease, claim: RunClaim): Promise<ClaimResult> {
    return this.#call('claimRun', () => this.store.claim(lease, claim));
  }

  runs(): Promise<readonly EntryRun[]> {
    return this.#call('runs', () => this.store.runs());
  }

  putEntry(name: string, definition: StoredEntryDefinition): Promise<StoredEntry> {
    return this.#call('putEntry', () => this.store.put(name, definition));
  }

  removeEntry(name: string): Promise<boolean> {
    return this.#call('removeEntry', () => this.store.remove(name));
  }

  entries(): Promise<StoredEntries> {
    return this.#call('entries', () => this.store.entries());
  }

  queueExists(queue: string): Promise<boolean> {
    return this.#call('queueExists', () => this.#broker.getQueue(queue) !== undefined);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A coordination connection for a `memory://` URL: the store of the URL's host and
 * `namespace`, shared by every connection made for them in this process.
 */
export function createMemoryBeatCoordination(
  url = 'memory://',
  options: { namespace?: string } = {},
): MemoryBeatCoordination {
  const name = memoryUrlName(url);
  return new MemoryBeatCoordination({
    store: memoryBeatStore(name, options.namespace),
    broker: memoryBroker(name),
  });
}
