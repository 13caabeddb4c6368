/**
 * The shared state behind `memory://` beat coordination: one namespace's leadership term
 * and epoch counter, the run of every entry, and the run-time entries. Every operation is
 * one synchronous step, which is what makes each atomic: the JavaScript thread is the
 * store's lock, as Redis' single thread is for its Lua scripts.
 */
import { ClaimOutcome } from '@celeriac/protocol';
import type {
  ClaimResult,
  EntryRun,
  LeaderInfo,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from '@celeriac/protocol';
import { cloneValue } from './clone.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';

/** Options of {@link MemoryBeatStore}. */
export interface MemoryBeatStoreOptions {
  /** Lease time: the reading of `now()` decides when a term lapses (default: real time). */
  clock?: Pick<Clock, 'now'>;
  /** The `memory://<name>` host, for errors. */
  name?: string;
  /** The namespace (which beat). Default `celeriac`. */
  namespace?: string;
}

interface Term extends LeaderLease {
  expiresAt: number;
}

/**
 * The coordination state of one beat namespace on one `memory://` host, shared by every
 * {@link MemoryBeatCoordination} of its replicas.
 */
export class MemoryBeatStore {
  readonly name: string;
  readonly namespace: string;
  readonly clock: Pick<Clock, 'now'>;
  #epoch = 0;
  #term: Term | undefined;
  #revision = 0;
  readonly #runs = new Map<string, EntryRun>();
  readonly #entries = new Map<string, StoredEntry>();

  constructor(options: MemoryBeatStoreOptions = {}) {
    this.name = options.name ?? '';
    this.namespace = options.namespace ?? 'celeriac';
    this.clock = options.clock ?? systemClock;
  }

  /** The live term, ending it first when it lapsed. */
  #live(): Term | undefined {
    if (this.#term !== undefined && this.clock.now() >= this.#term.expiresAt) {
      this.#term = undefined;
    }
    return this.#term;
  }

  #holds(lease: LeaderLease): Term | undefined {
    const term = this.#live();
    return term?.holder === lease.holder && term.epoch === lease.epoch ? term : undefined;
  }

  acquire(holder: string, ttlMs: number): LeaderLease | undefined {
    const term = this.#live();
    if (term !== undefined) {
      if (term.holder !== holder) return undefined;
      term.expiresAt = this.clock.now() + ttlMs;
      return { holder, epoch: term.epoch };
    }
    this.#term = { holder, epoch: ++this.#epoch, expiresAt: this.clock.now() + ttlMs };
    return { holder, epoch: this.#term.epoch };
  }

  renew(lease: LeaderLease, ttlMs: number): boolean {
    const term = this.#holds(lease);
    if (term === undefined) return false;
    term.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  release(lease: LeaderLease): void {
    if (this.#holds(lease) !== undefined) this.#term = undefined;
  }

  leader(): LeaderInfo | undefined {
    const term = this.#live();
    if (term === undefined) return undefined;
    const expiresInMs = term.expiresAt - this.clock.now();
    return { holder: term.holder, epoch: term.epoch, expiresInMs };
  }

  claim(lease: LeaderLease, claim: RunClaim): ClaimResult {
    if (this.#holds(lease) === undefined) return { outcome: ClaimOutcome.fenced };
    if (claim.revision !== undefined) {
      const stored = this.#entries.get(claim.entry);
      if (stored?.revision !== claim.revision) {
        return { outcome: ClaimOutcome.entryChanged, revision: stored?.revision };
      }
    }
    const last = this.#runs.get(claim.entry);
    if (last !== undefined && last.lastRunAt >= claim.runAt) {
      return { outcome: ClaimOutcome.alreadyRun, run: last };
    }
    const run: EntryRun = {
      entry: claim.entry,
      lastRunAt: claim.runAt,
      totalRunCount: (last?.totalRunCount ?? 0) + 1,
      epoch: lease.epoch,
    };
    this.#runs.set(claim.entry, run);
    return { outcome: ClaimOutcome.claimed, run };
  }

  runs(): EntryRun[] {
    return [...this.#runs.values()].sort((a, b) => compare(a.entry, b.entry));
  }

  put(name: string, definition: StoredEntryDefinition): StoredEntry {
    const entry: StoredEntry = {
      name,
      definition: cloneValue(definition),
      revision: ++this.#revision,
    };
    this.#entries.set(name, entry);
    return cloneValue(entry);
  }

  remove(name: string): boolean {
    const existed = this.#entries.delete(name);
    this.#runs.delete(name);
    if (existed) this.#revision++;
    return existed;
  }

  entries(): StoredEntries {
    const entries = [...this.#entries.values()].sort((a, b) => compare(a.name, b.name));
    return { revision: this.#revision, entries: cloneValue(entries) };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
