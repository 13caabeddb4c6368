/**
 * The result store interface that memory, Redis and `rpc://` implement. Workers write
 * through it; clients read and wait through it.
 */
import type { DedupClaim } from './dedup.js';
import type { ResultMeta } from './result-meta.js';
import type { TaskStateName } from './states.js';

/** Where a result goes, beyond the task id: what `rpc://` needs to route the reply. */
export interface StoreContext {
  /** The task message's `reply_to` property. */
  replyTo?: string;
  /** The task message's `correlation_id` property. */
  correlationId?: string;
}

/** Options of {@link ResultBackend.wait}. */
export interface WaitOptions {
  /** Give up after this many milliseconds with a `TimeoutError`. */
  timeoutMs?: number;
  /** Give up when aborted (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called with every state stored while waiting (STARTED, RETRY, custom states…). */
  onUpdate?: (meta: ResultMeta) => void;
}

/** A saved group: its id and its members' task ids, in order. */
export interface GroupMeta {
  groupId: string;
  taskIds: string[];
}

/**
 * One chord header task's outcome, as the chord records it (Celery's Redis member
 * `[1, task_id, state, result]`).
 */
export interface ChordPart {
  taskId: string;
  /** Position in the header (`group_index`); null sorts last, as Celery's `+inf`. */
  groupIndex: number | null;
  status: TaskStateName;
  /** The value on SUCCESS; the encoded exception (`exc_type`…) on FAILURE/REVOKED. */
  result: unknown;
}

/**
 * What {@link ResultBackend.chordPartReturned} tells the worker that reported a part.
 * Exactly one reporter of a chord sees `complete: true` (and the parts are then
 * deleted); exactly one reporter of a failed part sees `firstFailure: true`.
 */
export type ChordPartOutcome =
  | {
      complete: false;
      /** This part is the chord's first failure: fail the chord's body now. */
      firstFailure: boolean;
      /** The chord's size is unknown (never set, or expired): it cannot complete. */
      sizeUnknown?: boolean;
    }
  | {
      complete: true;
      /** Every part, in `group_index` order. */
      parts: ChordPart[];
      /** A failed part was reported before this one: the body was failed then. */
      failedEarlier: boolean;
    };

/**
 * A result store.
 *
 * Contract (checked by `@celeriac/testing`):
 * - `store` never overwrites a ready state (SUCCESS, FAILURE, REVOKED) with a non-ready
 *   one and never overwrites SUCCESS; it returns false when it refused.
 * - `get` of an unknown id is `{ status: 'PENDING', result: null, … }`.
 * - `wait` resolves with the first ready meta, without polling where the store can notify
 *   (Redis pub/sub, rpc reply queue), and rejects with `TimeoutError` after `timeoutMs`.
 * - Stored results expire after `expiresMs` where the store supports expiry.
 */
export interface ResultBackend extends AsyncDisposable {
  /** `memory`, `redis`, `rpc`: the URL scheme family. */
  readonly kind: string;
  /**
   * The reply queue this backend reads results from, when it has one (`rpc://`); clients
   * put it in `reply_to`. Other backends leave it undefined and clients use their own oid.
   */
  readonly replyTo?: string;

  connect(): Promise<void>;
  /**
   * Called by a client before it publishes a task whose result it will read, so that
   * notifications sent before `wait` is called are not missed (Celery subscribes then too).
   */
  expect(taskId: string): Promise<void>;
  /** Store a state; see the contract. Returns false when refused (a ready state exists). */
  store(meta: ResultMeta, context?: StoreContext): Promise<boolean>;
  /** Current meta, PENDING when unknown. */
  get(taskId: string): Promise<ResultMeta>;
  /** Resolve with the first ready meta of `taskId`. */
  wait(taskId: string, options?: WaitOptions): Promise<ResultMeta>;
  /** Delete a stored result. */
  forget(taskId: string): Promise<void>;
  /** Save a group's members (Celery's `GroupResult.save()`). */
  saveGroup(group: GroupMeta): Promise<void>;
  /** Read a saved group, undefined when not saved. */
  getGroup(groupId: string): Promise<GroupMeta | undefined>;
  /**
   * Record a chord's header size before its header is published (Celery's
   * `set_chord_size`; Redis `celery-taskset-meta-<gid>.s`). Stores that cannot count
   * chord parts (`rpc://`) leave it out, and chords are refused with them.
   */
  setChordSize?(groupId: string, size: number): Promise<void>;
  /**
   * Record a header task's outcome, atomically with counting: when the count reaches
   * the size, exactly one caller — across processes, Python workers included — gets
   * `complete: true` with the ordered parts. Chord keys expire with results.
   */
  chordPartReturned?(groupId: string, part: ChordPart): Promise<ChordPartOutcome>;
  /**
   * Deduplicated sends: atomically, across processes, let `taskId` hold `key` for
   * `ttlMs` unless another task id holds it (then return that one). A store without it
   * cannot deduplicate, and sends with a `dedupKey` are refused. Checked by
   * `@celeriac/testing`'s dedup conformance cases.
   */
  claimDedup?(key: string, taskId: string, ttlMs: number): Promise<DedupClaim>;
  /**
   * Free `key` if `taskId` still holds it (its send failed before reaching the broker),
   * so the next caller sends instead of waiting for a task that never was.
   */
  releaseDedup?(key: string, taskId: string): Promise<void>;
  /** Close connections; idempotent. */
  close(): Promise<void>;
}
