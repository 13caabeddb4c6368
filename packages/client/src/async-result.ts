/**
 * `AsyncResult`: a handle on one task's state and result in the result backend, as
 * Celery's `celery.result.AsyncResult`. Reads go to the backend each time until the
 * task is ready; a ready meta is kept, since it never changes (bar `forget()`).
 */
import { PROPAGATE_STATES, TaskState, isReady, resultMetaError } from '@celeriac/protocol';
import type { ResultBackend, ResultMeta, TaskStateName, RemoteTaskError } from '@celeriac/protocol';
import { NoResultBackendError, ResultIgnoredError } from './errors.js';
import type { RevokeOptions } from './revoke.js';

/** Options of {@link AsyncResult.get}. */
export interface GetOptions {
  /** Give up after this many milliseconds with the protocol's `TimeoutError`. */
  timeoutMs?: number;
  /** Give up when aborted (rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Throw the task's exception (a `RemoteTaskError`) on FAILURE or REVOKED; default
   * true. With false the error is returned instead of thrown.
   */
  propagate?: boolean;
  /** Called with every state stored while waiting (STARTED, RETRY, `PROGRESS`…). */
  onUpdate?: (meta: ResultMeta) => void;
}

/** What an {@link AsyncResult} needs from the client that made it. */
export interface AsyncResultHost {
  readonly backend: ResultBackend | undefined;
  revoke(taskId: string | readonly string[], options: RevokeOptions): Promise<void>;
}

/**
 * A task's result, typed `T` when it came from a typed producer.
 *
 * @example
 * ```ts
 * const result = client.sendTask<number>('proj.add', [2, 3]);
 * console.log(await result.state()); // PENDING, then SUCCESS
 * console.log(await result.get({ timeoutMs: 10_000 })); // 5
 * ```
 */
export class AsyncResult<T = unknown> {
  /** The task id. */
  readonly id: string;
  /** The task name, when known (results rebuilt from an id do not know it). */
  readonly name: string | undefined;
  readonly #host: AsyncResultHost;
  readonly #ignored: boolean;
  readonly #parse: ((value: unknown) => T) | undefined;
  #ready: ResultMeta | undefined;

  /** Use `client.asyncResult(id)` rather than this constructor. */
  constructor(
    id: string,
    host: AsyncResultHost,
    options: {
      name?: string | undefined;
      ignored?: boolean;
      /** Checks a SUCCESS value (a contract's `parseResult`); its errors reject `get`. */
      parse?: ((value: unknown) => T) | undefined;
    } = {},
  ) {
    this.id = id;
    this.name = options.name;
    this.#host = host;
    this.#ignored = options.ignored ?? false;
    this.#parse = options.parse;
  }

  #backend(): ResultBackend {
    const backend = this.#host.backend;
    if (!backend) throw new NoResultBackendError(this.id);
    return backend;
  }

  #keep(meta: ResultMeta): ResultMeta {
    if (isReady(meta.status)) this.#ready = meta;
    return meta;
  }

  /** The stored meta (`PENDING` when the backend knows nothing of the task). */
  async meta(): Promise<ResultMeta> {
    if (this.#ready) return this.#ready;
    return this.#keep(await this.#backend().get(this.id));
  }

  /** The current state: `PENDING`, `STARTED`, `RETRY`, `SUCCESS`, `FAILURE`, `REVOKED`, or custom. */
  async state(): Promise<TaskStateName> {
    return (await this.meta()).status;
  }

  /** True once the task is SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return isReady(await this.state());
  }

  /** True when the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.state()) === TaskState.SUCCESS;
  }

  /** True when the task failed or was revoked. */
  async failed(): Promise<boolean> {
    return PROPAGATE_STATES.has(await this.state());
  }

  /**
   * The current result without waiting: the value on SUCCESS, a `RemoteTaskError` on
   * FAILURE/REVOKED, the exception info of a RETRY, the meta of a custom state, `null`
   * while pending (Celery's `AsyncResult.info`).
   */
  async info(): Promise<unknown> {
    const meta = await this.meta();
    return resultMetaError(meta) ?? meta.result;
  }

  /** The task's exception on FAILURE/REVOKED (not thrown), else undefined. */
  async error(): Promise<RemoteTaskError | undefined> {
    return resultMetaError(await this.meta());
  }

  /**
   * Wait for the task to be ready and return its value. On FAILURE or REVOKED throws a
   * `RemoteTaskError` carrying the remote exception type, arguments and traceback
   * (unless `propagate: false`, which returns it). A result typed by a contract is
   * checked against its schema (a `ValidationError` when it does not match). Rejects with `TimeoutError` after
   * `timeoutMs`, with the signal's reason when aborted.
   */
  get(options?: GetOptions & { propagate?: true }): Promise<T>;
  get(options: GetOptions & { propagate: false }): Promise<T | RemoteTaskError>;
  get(options?: GetOptions): Promise<T | RemoteTaskError>;
  async get(options: GetOptions = {}): Promise<T | RemoteTaskError> {
    if (this.#ignored) throw new ResultIgnoredError(this.id);
    let meta = this.#ready;
    if (!meta) {
      const backend = this.#backend();
      meta = this.#keep(
        await backend.wait(this.id, {
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.onUpdate === undefined ? {} : { onUpdate: options.onUpdate }),
        }),
      );
    }
    const error = resultMetaError(meta);
    if (error) {
      if (options.propagate ?? true) throw error;
      return error;
    }
    return this.#parse ? this.#parse(meta.result) : (meta.result as T);
  }

  /** Delete the stored result (Celery's `forget()`). */
  async forget(): Promise<void> {
    this.#ready = undefined;
    await this.#backend().forget(this.id);
  }

  /**
   * Ask every worker to revoke this task (a `revoke` broadcast over the remote-control
   * mailbox): a worker that has not run it yet drops it and stores REVOKED; with
   * `terminate` a running one is killed too.
   */
  revoke(options: RevokeOptions = {}): Promise<void> {
    return this.#host.revoke(this.id, options);
  }

  /** Celery's result tuple, `[[id, null], null]`, as stored in `children`. */
  toJSON(): [[string, null], null] {
    return [[this.id, null], null];
  }
}
