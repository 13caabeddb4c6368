/**
 * The `ResultBackend` of `memory://` URLs: a handle on a {@link MemoryResultStore}.
 */
import { ClosedError, TaskState, TimeoutError, isReady } from '@celeriac/protocol';
import type {
  DedupClaim,
  ChordPart,
  ChordPartOutcome,
  GroupMeta,
  ResultBackend,
  ResultMeta,
  WaitOptions,
} from '@celeriac/protocol';
import { cloneValue } from './clone.js';
import { memoryResultStore, memoryUrlName } from './memory-registry.js';
import type { MemoryResultStore } from './memory-result-store.js';

/** Celery's default `result_expires`: one day. */
const DEFAULT_EXPIRES_MS = 86_400_000;
const RESOLVED: Promise<void> = Promise.resolve();

/** Options of {@link MemoryResultBackend}. */
export interface MemoryResultBackendOptions {
  /** The store (default: the process-wide `memory://` store). */
  store?: MemoryResultStore | undefined;
  /** Results stored through this backend expire after this long; 0 never (default 1 day). */
  expiresMs?: number | undefined;
}

/**
 * An in-process result backend. `wait` listens for stores (no polling); results expire
 * on the store's clock.
 *
 * @example
 * ```ts
 * await using backend = new MemoryResultBackend();
 * const done = backend.wait(taskId, { timeoutMs: 5000 });
 * ```
 */
export class MemoryResultBackend implements ResultBackend {
  readonly kind = 'memory';
  readonly resultStore: MemoryResultStore;
  readonly expiresMs: number;
  #closing: Promise<void> | undefined;
  readonly #onClose = new Set<(error: Error) => void>();

  constructor(options: MemoryResultBackendOptions = {}) {
    this.resultStore = options.store ?? memoryResultStore('');
    this.expiresMs = options.expiresMs ?? DEFAULT_EXPIRES_MS;
  }

  connect(): Promise<void> {
    return this.#closing ? Promise.reject(this.#closed()) : RESOLVED;
  }

  expect(_taskId: string): Promise<void> {
    // Stores notify listeners synchronously in-process: nothing can be missed.
    return this.connect();
  }

  store(meta: ResultMeta): Promise<boolean> {
    if (this.#closing) return Promise.reject(this.#closed());
    return Promise.resolve(this.resultStore.store(meta, this.expiresMs));
  }

  get(taskId: string): Promise<ResultMeta> {
    if (this.#closing) return Promise.reject(this.#closed());
    return Promise.resolve(this.resultStore.get(taskId) ?? pendingMeta(taskId));
  }

  wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    if (this.#closing) return Promise.reject(this.#closed());
    const { signal, timeoutMs, onUpdate } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const current = this.resultStore.get(taskId);
    if (current && isReady(current.status)) return Promise.resolve(current);
    // A state stored before this wait (PROGRESS, STARTED…) is news to this caller.
    if (current && current.status !== 'PENDING') onUpdate?.(cloneValue(current));
    return new Promise<ResultMeta>((resolve, reject) => {
      const finish = (error: unknown, meta?: ResultMeta) => {
        stop();
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#onClose.delete(finish);
        if (meta) resolve(meta);
        // An AbortSignal's reason is whatever the caller aborted with, Error or not.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        else reject(error);
      };
      const stop = this.resultStore.listen(taskId, (meta) => {
        if (isReady(meta.status)) return finish(undefined, cloneValue(meta));
        try {
          onUpdate?.(cloneValue(meta));
        } catch (error) {
          finish(error);
        }
      });
      const onAbort = () => finish(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => finish(new TimeoutError(`no result for task ${taskId} after ${timeoutMs} ms`)),
              timeoutMs,
            );
      this.#onClose.add(finish);
    });
  }

  forget(taskId: string): Promise<void> {
    if (this.#closing) return Promise.reject(this.#closed());
    this.resultStore.forget(taskId);
    return RESOLVED;
  }

  saveGroup(group: GroupMeta): Promise<void> {
    if (this.#closing) return Promise.reject(this.#closed());
    this.resultStore.saveGroup(group, this.expiresMs);
    return RESOLVED;
  }

  getGroup(groupId: string): Promise<GroupMeta | undefined> {
    if (this.#closing) return Promise.reject(this.#closed());
    return Promise.resolve(this.resultStore.getGroup(groupId));
  }

  setChordSize(groupId: string, size: number): Promise<void> {
    if (this.#closing) return Promise.reject(this.#closed());
    this.resultStore.chords.setSize(groupId, size, this.expiresMs);
    return RESOLVED;
  }

  chordPartReturned(groupId: string, part: ChordPart): Promise<ChordPartOutcome> {
    if (this.#closing) return Promise.reject(this.#closed());
    return Promise.resolve(this.resultStore.chords.partReturned(groupId, part, this.expiresMs));
  }

  claimDedup(key: string, taskId: string, ttlMs: number): Promise<DedupClaim> {
    if (this.#closing) return Promise.reject(this.#closed());
    return Promise.resolve(this.resultStore.dedup.claim(key, taskId, ttlMs));
  }

  releaseDedup(key: string, taskId: string): Promise<void> {
    if (this.#closing) return Promise.reject(this.#closed());
    this.resultStore.dedup.release(key, taskId);
    return RESOLVED;
  }

  /** Close; pending waits reject with `ClosedError`. Idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      for (const finish of [...this.#onClose]) finish(this.#closed());
      this.#closing = RESOLVED;
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #closed(): ClosedError {
    return new ClosedError('memory result backend');
  }
}

/** What `get` returns for a task nothing was stored for. */
function pendingMeta(taskId: string): ResultMeta {
  return {
    taskId,
    status: TaskState.PENDING,
    result: null,
    traceback: null,
    children: [],
    dateDone: null,
  };
}

/**
 * A result backend on the shared store a `memory://` URL names; every backend made from
 * one URL in this process sees the same results.
 *
 * @example
 * ```ts
 * const worker = createMemoryResultBackend('memory://shop');
 * const client = createMemoryResultBackend('memory://shop');
 * ```
 */
export function createMemoryResultBackend(
  url = 'memory://',
  options: Omit<MemoryResultBackendOptions, 'store'> = {},
): MemoryResultBackend {
  return new MemoryResultBackend({ ...options, store: memoryResultStore(memoryUrlName(url)) });
}
