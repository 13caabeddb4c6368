/**
 * What a periodic scheduler (`@celeriac/beat`) needs from the broker already in use, so
 * that any number of beat replicas can run and exactly one sends: leadership held as a
 * lease with a fencing epoch, the last run of every entry, and the entries added at run
 * time. `@celeriac/memory` implements it in process; Redis and RabbitMQ implement it on
 * their broker (`docs/beat.md` says how, and the failover bound each gives).
 *
 * The one rule everything else serves: **a run is recorded before it is sent, and only
 * by the holder of a live term.** {@link BeatCoordination.claimRun} checks, in one atomic
 * step of the store, that the caller's term still holds the lease, that the entry is
 * unchanged, and that no run at or after the claimed time is recorded; only a `claimed`
 * answer lets the caller publish. So a leader that was paused past its lease and wakes up
 * cannot send (its claim is `fenced`), and two replicas never send the same tick.
 * Pure types: no I/O.
 */
import type { JsonValue } from './json.js';

/** One term of leadership, as {@link BeatCoordination.acquireLeadership} grants it. */
export interface LeaderLease {
  /** The replica holding the term: unique per replica process, e.g. `beat@host:pid:uuid`. */
  readonly holder: string;
  /**
   * The fencing epoch of the term: greater than the epoch of every earlier term in the
   * namespace, never reused, even across store restarts that keep data.
   */
  readonly epoch: number;
}

/** The current term as the store sees it, for status and inspection. */
export interface LeaderInfo extends LeaderLease {
  /**
   * How long the store will still hold the lease without a renewal, in ms, where the store
   * counts it (memory, Redis `PTTL`); undefined where leadership follows a connection
   * (RabbitMQ).
   */
  readonly expiresInMs?: number;
}

/** What the store keeps about the runs of one entry. */
export interface EntryRun {
  /** The entry's name. */
  readonly entry: string;
  /** Scheduled time of the last claimed run, in ms since the Unix epoch (not the send time). */
  readonly lastRunAt: number;
  /** Runs claimed so far (Celery's `total_run_count`). */
  readonly totalRunCount: number;
  /** Epoch of the term that claimed the last run. */
  readonly epoch: number;
}

/** A run the leader wants to send: {@link BeatCoordination.claimRun}'s second argument. */
export interface RunClaim {
  /** The entry's name. */
  readonly entry: string;
  /** The run's scheduled time, in ms since the Unix epoch. */
  readonly runAt: number;
  /**
   * The revision of the stored entry the leader computed the run from
   * ({@link StoredEntry.revision}); the claim is refused when the stored entry changed or
   * was removed since. Omitted for entries declared in code, which the store does not hold.
   */
  readonly revision?: number;
}

/** The outcomes of {@link BeatCoordination.claimRun}. */
export const ClaimOutcome = {
  /** Recorded: the caller must send this run now, and is the only one that will. */
  claimed: 'claimed',
  /** The caller's term no longer holds the lease (expired, released or taken): send nothing. */
  fenced: 'fenced',
  /** A run at or after this time is already recorded: send nothing. */
  alreadyRun: 'already-run',
  /** The stored entry changed or was removed since the caller read it: send nothing. */
  entryChanged: 'entry-changed',
} as const;
/** One of the values of {@link ClaimOutcome}. */
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

/** What {@link BeatCoordination.claimRun} answers. */
export type ClaimResult =
  | { readonly outcome: typeof ClaimOutcome.claimed; readonly run: EntryRun }
  | { readonly outcome: typeof ClaimOutcome.fenced }
  | { readonly outcome: typeof ClaimOutcome.alreadyRun; readonly run: EntryRun }
  | {
      readonly outcome: typeof ClaimOutcome.entryChanged;
      /** The stored entry's current revision; undefined when it was removed. */
      readonly revision: number | undefined;
    };

/** An entry's definition as stored: a JSON object whose shape the scheduler owns. */
export type StoredEntryDefinition = { readonly [key: string]: JsonValue };

/** A schedule entry added at run time, as the store holds it. */
export interface StoredEntry {
  /** The entry's name, unique in the namespace. */
  readonly name: string;
  /** The definition, exactly as put. */
  readonly definition: StoredEntryDefinition;
  /**
   * Set by the store on every put: greater than every revision the store gave before, so
   * a changed entry never has the revision it had.
   */
  readonly revision: number;
}

/** Every stored entry, with the revision of the set. */
export interface StoredEntries {
  /** The highest revision given so far; it changes whenever an entry is put or removed. */
  readonly revision: number;
  /** The entries, sorted by name. */
  readonly entries: readonly StoredEntry[];
}

/**
 * A beat replica's connection to the coordination store of one namespace (one beat):
 * replicas that share a namespace on one broker elect one leader among them.
 *
 * Contract (checked by `@celeriac/testing`'s `beatCoordinationConformance`):
 * - `acquireLeadership` grants a term to at most one holder at a time, with an epoch
 *   greater than every earlier term's; asking again while holding returns the same term.
 * - A term ends when its holder releases it, or when it goes `ttlMs` without a successful
 *   acquire or renewal (on RabbitMQ also when the holder's connection dies); then
 *   `renewLeadership` answers false and another holder may acquire.
 * - `claimRun` is atomic: it records the run only if the term still holds the lease, the
 *   stored entry still has the claimed revision (when one is given), and the recorded
 *   `lastRunAt` is older than `runAt`; exactly one of any number of concurrent claims of
 *   one run succeeds.
 * - `putEntry` and `removeEntry` are durable when they resolve and seen by `entries()` on
 *   every replica; removing an entry forgets its run too. Putting an entry keeps its run.
 * - Errors reaching the store reject with a `TransportError` (or subclass), whose
 *   `retryable` says whether trying again can help; they never answer false or undefined.
 */
export interface BeatCoordination extends AsyncDisposable {
  /** `memory`, `redis`, `amqp`: the URL scheme family. */
  readonly kind: string;
  /** The namespace: which beat this connection coordinates. */
  readonly namespace: string;

  /** Connect (idempotent); resolves when connected. Other calls connect first as needed. */
  connect(): Promise<void>;

  /**
   * Try once to become leader for `ttlMs`: the new (or current, when `holder` already
   * holds it) term, or undefined when another holder has a live term.
   */
  acquireLeadership(holder: string, ttlMs: number): Promise<LeaderLease | undefined>;
  /** Extend a live term by `ttlMs` from now; false when the term is over. */
  renewLeadership(lease: LeaderLease, ttlMs: number): Promise<boolean>;
  /** End the term now if it is still live (another holder may acquire at once). */
  releaseLeadership(lease: LeaderLease): Promise<void>;
  /** The live term, if any. */
  leader(): Promise<LeaderInfo | undefined>;

  /** Record a run before sending it; see the contract. */
  claimRun(lease: LeaderLease, claim: RunClaim): Promise<ClaimResult>;
  /** The recorded run of every entry that has one, sorted by entry name. */
  runs(): Promise<readonly EntryRun[]>;

  /** Add or replace a run-time entry; the store gives it a new revision. */
  putEntry(name: string, definition: StoredEntryDefinition): Promise<StoredEntry>;
  /** Remove a run-time entry and its run; false when there was none. */
  removeEntry(name: string): Promise<boolean>;
  /** Every run-time entry. */
  entries(): Promise<StoredEntries>;

  /**
   * Whether a queue exists on the broker (declared by a worker or a client), so that an
   * entry naming an unknown queue is reported instead of filling a queue nobody reads.
   * Stores that cannot tell leave it out.
   */
  queueExists?(queue: string): Promise<boolean>;

  /**
   * Close the connection; idempotent. A term still held ends within its ttl (at once where
   * leadership follows the connection); release it first to hand over sooner.
   */
  close(): Promise<void>;
}
