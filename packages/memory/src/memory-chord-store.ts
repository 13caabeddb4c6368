/**
 * Chord counters of one `memory://` host: the header size, the parts returned so far
 * and whether one failed — the in-process twin of Celery's Redis `.s`/`.j` keys, with
 * the same exactly-once completion (trivially atomic here: one event loop).
 */
import { PROPAGATE_STATES } from '@celeriac/protocol';
import type { ChordPart, ChordPartOutcome } from '@celeriac/protocol';
import { cloneValue } from './clone.js';
import type { Clock } from './clock.js';

interface ChordEntry {
  size: number | undefined;
  parts: Map<string, ChordPart>;
  failed: boolean;
  /** Absolute expiry in ms, 0 for never; refreshed on every write, as Redis EXPIRE. */
  expiresAt: number;
}

/** Chord state by group id; entries expire lazily on the store's clock. */
export class MemoryChordStore {
  readonly #clock: Clock;
  readonly #chords = new Map<string, ChordEntry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  #entry(groupId: string, expiresMs: number): ChordEntry {
    let entry = this.#live(groupId);
    if (!entry) {
      entry = { size: undefined, parts: new Map(), failed: false, expiresAt: 0 };
      this.#chords.set(groupId, entry);
    }
    entry.expiresAt = expiresMs > 0 ? this.#clock.now() + expiresMs : 0;
    return entry;
  }

  #live(groupId: string): ChordEntry | undefined {
    const entry = this.#chords.get(groupId);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= this.#clock.now()) {
      this.#chords.delete(groupId);
      return undefined;
    }
    return entry;
  }

  /** Record the header size. */
  setSize(groupId: string, size: number, expiresMs: number): void {
    this.#entry(groupId, expiresMs).size = size;
  }

  /** Record a part; see `ResultBackend.chordPartReturned`. */
  partReturned(groupId: string, part: ChordPart, expiresMs: number): ChordPartOutcome {
    const entry = this.#entry(groupId, expiresMs);
    entry.parts.set(part.taskId, cloneValue(part));
    const failedEarlier = entry.failed;
    const failedNow = PROPAGATE_STATES.has(part.status) && !failedEarlier;
    if (failedNow) entry.failed = true;
    if (entry.size === undefined) {
      return { complete: false, firstFailure: failedNow, sizeUnknown: true };
    }
    if (entry.parts.size !== entry.size) return { complete: false, firstFailure: failedNow };
    this.#chords.delete(groupId);
    const parts = [...entry.parts.values()].sort(
      (a, b) => (a.groupIndex ?? Infinity) - (b.groupIndex ?? Infinity),
    );
    return { complete: true, parts, failedEarlier };
  }

  /** Chords with state (expired ones not yet looked at included). */
  get size(): number {
    return this.#chords.size;
  }
}
