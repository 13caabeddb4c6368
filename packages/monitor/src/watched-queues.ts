/**
 * The queues the monitor watches: each one's consumers (from the workers'
 * `active_queues`) and its length (read by the monitor's poller through the transport,
 * the autoscaling signal). Changes come back as {@link StateChange}s.
 */
import type { StateChange, WatchedQueue } from './state-change.js';

function emptyQueue(name: string): WatchedQueue {
  return { name, length: null, consumers: [], updatedAt: null, error: null };
}

/** Watched queues by name. */
export class WatchedQueues {
  readonly #queues = new Map<string, WatchedQueue>();

  /** Watch `name` (no change until its length is read). */
  watch(name: string): void {
    if (!this.#queues.has(name)) this.#queues.set(name, emptyQueue(name));
  }

  /** `hostname` consumes exactly `queues` now. */
  setConsumers(hostname: string, queues: readonly string[]): StateChange[] {
    const changes: StateChange[] = [];
    const wanted = new Set(queues);
    for (const name of new Set([...this.#queues.keys(), ...queues])) {
      const queue = this.#queues.get(name) ?? emptyQueue(name);
      const had = queue.consumers.includes(hostname);
      if (had === wanted.has(name)) continue;
      const consumers = had
        ? queue.consumers.filter((c) => c !== hostname)
        : [...queue.consumers, hostname].sort();
      const next = { ...queue, consumers };
      this.#queues.set(name, next);
      changes.push({ kind: 'queue', queue: next });
    }
    return changes;
  }

  /** A length read at `at` (unix seconds), or why it failed; a change when either moved. */
  setLength(name: string, length: number | null, error: string | null, at: number): StateChange[] {
    const queue = this.#queues.get(name) ?? emptyQueue(name);
    const next = { ...queue, length, error, updatedAt: at };
    this.#queues.set(name, next);
    const changed = queue.length !== length || queue.error !== error;
    return changed ? [{ kind: 'queue', queue: next }] : [];
  }

  /** Every watched queue, by name. */
  list(): WatchedQueue[] {
    return [...this.#queues.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
