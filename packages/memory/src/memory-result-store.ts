/**
 * The shared state behind memory result backends: results, groups, expiry and the
 * listeners that `wait` uses instead of polling.
 */
import { TaskState, isReady } from '@celeriac/protocol';
import type { GroupMeta, ResultMeta } from '@celeriac/protocol';
import { cloneValue } from './clone.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { Deque } from './deque.js';
import { MemoryChordStore } from './memory-chord-store.js';
import { MemoryDedupStore } from './memory-dedup-store.js';

/** Options of {@link MemoryResultStore}. */
export interface MemoryResultStoreOptions {
  /** Time and timers for expiry (default: real time, unref'd timers). */
  clock?: Clock;
  /** Name for errors (the `memory://<name>` host). */
  name?: string;
}

interface Stored<T> {
  readonly id: string;
  readonly group: boolean;
  readonly value: T;
  /** Absolute expiry in ms, 0 for never. */
  readonly expiresAt: number;
}

/**
 * Results and groups of one `memory://` host, shared by every backend on it. Results
 * are deep copies, so neither writers nor readers can change what others see.
 */
export class MemoryResultStore {
  readonly name: string;
  readonly clock: Clock;
  readonly #results = new Map<string, Stored<ResultMeta>>();
  readonly #groups = new Map<string, Stored<GroupMeta>>();
  readonly #listeners = new Map<string, Set<(meta: ResultMeta) => void>>();
  /** Entries with an expiry, in the order stored: swept from the head by one timer. */
  readonly #expiring = new Deque<Stored<unknown>>();
  #timer: unknown;
  /** Chord counters (header size, returned parts) by group id. */
  readonly chords: MemoryChordStore;
  /** Dedup records (key → task id) of deduplicated sends. */
  readonly dedup: MemoryDedupStore;

  constructor(options: MemoryResultStoreOptions = {}) {
    this.name = options.name ?? '';
    this.clock = options.clock ?? systemClock;
    this.chords = new MemoryChordStore(this.clock);
    this.dedup = new MemoryDedupStore(this.clock);
  }

  /**
   * Store `meta` unless it would overwrite SUCCESS, or a ready state with a non-ready
   * one; returns false when refused. `expiresMs` 0 keeps it forever.
   */
  store(meta: ResultMeta, expiresMs: number): boolean {
    const current = this.#live(this.#results, meta.taskId);
    if (current) {
      const status = current.value.status;
      if (status === TaskState.SUCCESS) return false;
      if (isReady(status) && !isReady(meta.status)) return false;
    }
    const stored = this.#entry(meta.taskId, false, cloneValue(meta), expiresMs);
    this.#results.set(meta.taskId, stored);
    const listeners = this.#listeners.get(meta.taskId);
    if (listeners) for (const listener of [...listeners]) listener(stored.value);
    return true;
  }

  /** The stored meta (a copy), undefined when unknown or expired. */
  get(taskId: string): ResultMeta | undefined {
    const stored = this.#live(this.#results, taskId);
    return stored && cloneValue(stored.value);
  }

  /** Delete a result. */
  forget(taskId: string): void {
    this.#results.delete(taskId);
  }

  /** Save a group's members. */
  saveGroup(group: GroupMeta, expiresMs: number): void {
    this.#groups.set(group.groupId, this.#entry(group.groupId, true, cloneValue(group), expiresMs));
  }

  /** A saved group (a copy), undefined when unknown or expired. */
  getGroup(groupId: string): GroupMeta | undefined {
    const stored = this.#live(this.#groups, groupId);
    return stored && cloneValue(stored.value);
  }

  /**
   * Call `listener` with every meta stored for `taskId` (the store's own object: copy
   * before handing it out); returns the function that stops listening.
   */
  listen(taskId: string, listener: (meta: ResultMeta) => void): () => void {
    let set = this.#listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.#listeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(taskId) === set) this.#listeners.delete(taskId);
    };
  }

  /** Number of stored results (expired ones not yet swept included). */
  get size(): number {
    return this.#results.size;
  }

  #entry<T>(id: string, group: boolean, value: T, expiresMs: number): Stored<T> {
    const expiresAt = expiresMs > 0 ? this.clock.now() + expiresMs : 0;
    const stored: Stored<T> = { id, group, value, expiresAt };
    if (expiresAt !== 0) {
      this.#expiring.push(stored);
      if (this.#timer === undefined) this.#arm();
    }
    return stored;
  }

  #live<T>(map: Map<string, Stored<T>>, id: string): Stored<T> | undefined {
    const stored = map.get(id);
    if (stored && stored.expiresAt !== 0 && stored.expiresAt <= this.clock.now()) {
      map.delete(id);
      return undefined;
    }
    return stored;
  }

  #arm(): void {
    const head = this.#expiring.peek();
    if (!head) return;
    const delay = Math.max(head.expiresAt - this.clock.now(), 0);
    this.#timer = this.clock.setTimeout(this.#sweep, delay);
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const now = this.clock.now();
    for (let head = this.#expiring.peek(); head && head.expiresAt <= now;) {
      this.#expiring.shift();
      const map: Map<string, Stored<unknown>> = head.group ? this.#groups : this.#results;
      // Only if not replaced since (a later store has its own entry further back).
      if (map.get(head.id) === head) map.delete(head.id);
      head = this.#expiring.peek();
    }
    this.#arm();
  };
}
