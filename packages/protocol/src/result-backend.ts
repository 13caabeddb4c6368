/**
 * The result store interface that memory, Redis and `rpc://` implement. Workers write
 * through it; clients read and wait through it.
 */
import type { ResultMeta } from './result-meta.js';

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
  /** Close connections; idempotent. */
  close(): Promise<void>;
}
