/**
 * `GroupResult`: the results of a group's members, in order (Celery's
 * `celery.result.GroupResult`). `save()` stores the member ids in the result backend
 * (Redis: `celery-taskset-meta-<gid>`, readable by Python's `GroupResult.restore`);
 * `client.restoreGroup(id)` reads them back.
 */
import { isReady, TaskState } from '@celeriac/protocol';
import type { ResultBackend } from '@celeriac/protocol';
import type { AsyncResult } from '../async-result.js';
import { type AsyncResultHost, type GetOptions } from '../async-result.js';
import { NoResultBackendError } from '../errors.js';

/** A member of a group result: a task's result or a nested group's. */
export type ResultNode = AsyncResult | GroupResult;

/**
 * The result of a group, typed by its members' results.
 *
 * @example
 * ```ts
 * const results = await client.send(group(add.s(1, 1), add.s(2, 2)));
 * console.log(await results.completedCount()); // 0, 1, then 2
 * console.log(await results.get({ timeoutMs: 10_000 })); // [2, 4]
 * ```
 */
export class GroupResult<T extends readonly unknown[] = unknown[]> {
  /** The group id (the `group` header of its members). */
  readonly id: string;
  /** The members' results, in group order. */
  readonly results: readonly ResultNode[];
  readonly #host: AsyncResultHost;

  /** Use `client.send(group(...))` or `client.restoreGroup(id)`. */
  constructor(id: string, results: readonly ResultNode[], host: AsyncResultHost) {
    this.id = id;
    this.results = results;
    this.#host = host;
  }

  #backend(): ResultBackend {
    const backend = this.#host.backend;
    if (!backend) throw new NoResultBackendError(this.id);
    return backend;
  }

  /** The member task ids (nested groups flattened). */
  get taskIds(): string[] {
    return this.results.flatMap((r) => (r instanceof GroupResult ? r.taskIds : [r.id]));
  }

  /**
   * Wait for every member and return their results in order. A failed member throws its
   * `RemoteTaskError` (unless `propagate: false`, which puts it in the array). The
   * timeout applies to the whole group.
   */
  async get(options: GetOptions = {}): Promise<T> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const out: unknown[] = [];
    // In order, like Celery's join: the first failure in group order is the one thrown.
    const pending = this.results.map((r) =>
      r.get({
        ...options,
        ...(deadline === undefined ? {} : { timeoutMs: Math.max(deadline - Date.now(), 1) }),
      }),
    );
    for (const p of pending) p.catch(() => undefined);
    for (const p of pending) out.push(await p);
    return out as unknown as T;
  }

  /** True when every member is ready (SUCCESS, FAILURE or REVOKED). */
  async ready(): Promise<boolean> {
    const states = await Promise.all(this.results.map((r) => r.ready()));
    return states.every(Boolean);
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    const states = await Promise.all(this.results.map((r) => r.successful()));
    return states.every(Boolean);
  }

  /** True when any member failed or was revoked. */
  async failed(): Promise<boolean> {
    const states = await Promise.all(this.results.map((r) => r.failed()));
    return states.some(Boolean);
  }

  /** How many members succeeded (Celery's `completed_count`). */
  async completedCount(): Promise<number> {
    const states = await Promise.all(
      this.results.map(async (r) =>
        r instanceof GroupResult ? await r.successful() : (await r.state()) === TaskState.SUCCESS,
      ),
    );
    return states.filter(Boolean).length;
  }

  /** How many members are ready. */
  async readyCount(): Promise<number> {
    const states = await Promise.all(
      this.results.map(async (r) =>
        r instanceof GroupResult ? r.ready() : isReady(await r.state()),
      ),
    );
    return states.filter(Boolean).length;
  }

  /** Store the member ids in the backend, so the group can be restored by id. */
  async save(): Promise<void> {
    const backend = this.#backend();
    await backend.connect();
    await backend.saveGroup({ groupId: this.id, taskIds: this.taskIds });
  }

  /** Delete every member's result. */
  async forget(): Promise<void> {
    await Promise.all(this.results.map((r) => r.forget()));
  }

  /** Revoke every member. */
  async revoke(options: Parameters<AsyncResult['revoke']>[0] = {}): Promise<void> {
    await this.#host.revoke(this.taskIds, options);
  }

  /** Celery's result tuple: `[[gid, null], [member tuples…]]`. */
  toJSON(): [[string, null], unknown[]] {
    return [[this.id, null], this.results.map((r) => r.toJSON())];
  }
}
