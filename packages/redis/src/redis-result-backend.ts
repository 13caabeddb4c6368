/**
 * `RedisResultBackend`: Celery's Redis result backend. Results are
 * `celery-task-meta-<id>` strings written with SETEX and PUBLISHed on the same name in
 * one script (which also refuses to replace a ready state; the stores of one tick share one
 * call, see `result-batcher.ts`); clients wait on pub/sub.
 */
import type { RedisOptions } from 'ioredis';
import type {
  ChordPart,
  ChordPartOutcome,
  DedupClaim,
  GroupMeta,
  ResultBackend,
  ResultMeta,
  StoreContext,
  WaitOptions,
} from '@celeriac/protocol';
import {
  ClosedError,
  TimeoutError,
  isReady,
  parseResultMeta,
  pendingResultMeta,
  serializeResultMeta,
} from '@celeriac/protocol';
import type { ScriptedRedis } from './lua-scripts.js';
import { withScripts } from './lua-scripts.js';
import { pythonJsonStringify } from './python-json.js';
import { ResultBatcher } from './result-batcher.js';
import { ResultListener } from './result-listener.js';
import { chordPartReturned, setChordSize } from './redis-chord.js';
import { blockingClient, commandClient, connectOnce } from './redis-clients.js';
import { RedisMode, maskRedisUrl, parseRedisUrl } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';

/** Options of {@link createRedisResultBackend}. */
export interface RedisResultBackendOptions {
  /** Seconds results live (Celery's `result_expires`, 86400); 0 keeps them forever. */
  resultExpires?: number;
  /** The same in milliseconds; wins over `resultExpires` (sub-second values use PSETEX). */
  expiresMs?: number;
  /**
   * Prefix of every key and channel. Celery 5.2's backend has none: leave it empty to
   * share results with Python (tests use it to stay apart).
   */
  keyPrefix?: string;
  /** Prefix of the CLIENT SETNAME of its connections (`celeriac`). */
  connectionName?: string;
  /** Extra ioredis options. */
  redis?: RedisOptions;
}

const TASK_PREFIX = 'celery-task-meta-';
/** Dedup records (`claimDedup`), beside Celery's keys under the same prefix. */
const DEDUP_PREFIX = 'celeriac-dedup-';
/** Delete the dedup record only while it still names the caller's task. */
const RELEASE_DEDUP = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const GROUP_PREFIX = 'celery-taskset-meta-';

/** A Celery-compatible Redis {@link ResultBackend}. */
export class RedisResultBackend implements ResultBackend {
  readonly kind = 'redis';
  readonly #url: string;
  readonly #settings: RedisConnectionSettings;
  readonly #options: RedisResultBackendOptions;
  readonly #expiresMs: number;
  readonly #prefix: string;
  #command: ScriptedRedis | undefined;
  #listener: ResultListener | undefined;
  #connecting: Promise<void> | undefined;
  /** Aborts the connect attempt in progress. */
  #attempt: AbortController | undefined;
  #closing: Promise<void> | undefined;
  readonly #batcher: ResultBatcher;
  /** expect() references per task, released by the wait that follows. */
  readonly #expected = new Map<string, number>();

  constructor(url: string, options: RedisResultBackendOptions = {}) {
    this.#url = url;
    this.#settings = parseRedisUrl(url);
    this.#options = options;
    this.#expiresMs = options.expiresMs ?? (options.resultExpires ?? 86400) * 1000;
    this.#prefix = options.keyPrefix ?? '';
    this.#batcher = new ResultBatcher(() => this.#redis(), this.#expiresMs);
  }

  #name(role: string): string {
    return `${this.#options.connectionName ?? 'celeriac'}:results:${role}`;
  }

  /** The key (and pub/sub channel) of a task's result. */
  taskKey(taskId: string): string {
    return `${this.#prefix}${TASK_PREFIX}${taskId}`;
  }

  /**
   * What a chord's keys (`.j`, `.t`, `.s`, `.f`) are named after: the saved-group key, as
   * Celery names them; on a Cluster inside a hash tag, so the chord script's keys share a
   * slot (Python Celery cannot use a Cluster, so nothing else reads these names there).
   */
  #chordBase(groupId: string): string {
    const key = this.groupKey(groupId);
    return this.#settings.mode === RedisMode.cluster ? `{${key}}` : key;
  }

  /** The key of a saved group. */
  groupKey(groupId: string): string {
    return `${this.#prefix}${GROUP_PREFIX}${groupId}`;
  }

  /**
   * One attempt to connect; rejects with `RedisConnectionError` (the masked URL and the
   * cause), or `ClosedError` when `close()` interrupts it. Calling it again tries again;
   * once connected, ioredis recovers from outages by itself.
   */
  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('RedisResultBackend'));
    this.#connecting ??= (async () => {
      const client = withScripts(
        commandClient(this.#settings, this.#options.redis ?? {}, this.#name('cmd')),
      );
      client.on('error', () => undefined);
      this.#command = client;
      const attempt = new AbortController();
      this.#attempt = attempt;
      try {
        await connectOnce(client, maskRedisUrl(this.#url), 'RedisResultBackend', attempt.signal);
      } catch (error) {
        this.#connecting = undefined;
        this.#command = undefined;
        throw error;
      } finally {
        this.#attempt = undefined;
      }
    })();
    return this.#connecting;
  }

  async #redis(): Promise<ScriptedRedis> {
    if (this.#closing) throw new ClosedError('RedisResultBackend');
    await this.connect();
    return this.#command!;
  }

  async #subscriber(): Promise<ResultListener> {
    if (this.#closing) throw new ClosedError('RedisResultBackend');
    // The command connection first: it is the one attempt that tells whether Redis is there.
    await this.connect();
    this.#listener ??= new ResultListener(
      blockingClient(this.#settings, this.#options.redis ?? {}, this.#name('sub')),
    );
    return this.#listener;
  }

  async expect(taskId: string): Promise<void> {
    const listener = await this.#subscriber();
    this.#expected.set(taskId, (this.#expected.get(taskId) ?? 0) + 1);
    await listener.acquire(this.taskKey(taskId));
  }

  async store(meta: ResultMeta, _context?: StoreContext): Promise<boolean> {
    // Celery's key order and kombu's JSON; refuses (EncodeError) what kombu could not encode.
    const json = serializeResultMeta(meta);
    const key = this.taskKey(meta.taskId);
    // The stores of one tick go as one call; on a Cluster the keys of a batch would sit in
    // different slots, so each is stored alone there.
    if (this.#settings.mode !== RedisMode.cluster) {
      return this.#batcher.store(key, json, isReady(meta.status));
    }
    const redis = await this.#redis();
    const stored = await redis.celeriacStoreResult(
      key,
      json,
      this.#expiresMs,
      isReady(meta.status) ? '1' : '0',
      key,
    );
    return stored === 1;
  }

  #decode(taskId: string, raw: string | null): ResultMeta {
    if (raw === null) return pendingResultMeta(taskId);
    return parseResultMeta(raw, { taskId });
  }

  async get(taskId: string): Promise<ResultMeta> {
    const redis = await this.#redis();
    return this.#decode(taskId, await redis.get(this.taskKey(taskId)));
  }

  async wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    options.signal?.throwIfAborted();
    const redis = await this.#redis();
    const listener = await this.#subscriber();
    const channel = this.taskKey(taskId);
    await listener.acquire(channel);
    let stop = () => {};
    try {
      return await new Promise<ResultMeta>((resolve, reject) => {
        let done = false;
        const finish = (error: unknown, meta?: ResultMeta) => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          if (meta) resolve(meta);
          // An AbortSignal's reason is passed through as is, whatever its type.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          else reject(error);
        };
        const seen = (meta: ResultMeta) => {
          if (done) return;
          options.onUpdate?.(meta);
          if (isReady(meta.status)) finish(undefined, meta);
        };
        const read = () => {
          redis.get(channel).then(
            (raw) => raw !== null && seen(this.#decode(taskId, raw)),
            (error: unknown) => finish(error),
          );
        };
        const onAbort = () => finish(options.signal?.reason);
        const timer =
          options.timeoutMs === undefined
            ? undefined
            : setTimeout(
                () =>
                  finish(
                    new TimeoutError(`No result for task ${taskId} within ${options.timeoutMs} ms`),
                  ),
                options.timeoutMs,
              );
        options.signal?.addEventListener('abort', onAbort, { once: true });
        stop = listener.listen(
          channel,
          (raw) => {
            try {
              seen(this.#decode(taskId, raw));
            } catch (error) {
              finish(error);
            }
          },
          read,
        );
        // Subscribed first, then one GET: a store in between is seen either way.
        read();
      });
    } finally {
      stop();
      listener.release(channel);
      const expected = this.#expected.get(taskId) ?? 0;
      if (expected > 0) {
        if (expected === 1) this.#expected.delete(taskId);
        else this.#expected.set(taskId, expected - 1);
        listener.release(channel);
      }
    }
  }

  async forget(taskId: string): Promise<void> {
    const redis = await this.#redis();
    await redis.del(this.taskKey(taskId));
  }

  async saveGroup(group: GroupMeta): Promise<void> {
    const redis = await this.#redis();
    // GroupResult.as_tuple(): ((gid, parent), [((id, parent), None), …]); SETEX + PUBLISH.
    const json = pythonJsonStringify({
      result: [[group.groupId, null], group.taskIds.map((id) => [[id, null], null])],
    });
    const key = this.groupKey(group.groupId);
    const pipeline = redis.multi();
    if (this.#expiresMs > 0 && this.#expiresMs % 1000 === 0) {
      pipeline.setex(key, this.#expiresMs / 1000, json);
    } else if (this.#expiresMs > 0) pipeline.psetex(key, this.#expiresMs, json);
    else pipeline.set(key, json);
    pipeline.publish(key, json);
    await pipeline.exec();
  }

  async getGroup(groupId: string): Promise<GroupMeta | undefined> {
    const redis = await this.#redis();
    const raw = await redis.get(this.groupKey(groupId));
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as { result?: unknown };
    const result = parsed.result;
    if (!Array.isArray(result) || !Array.isArray(result[1])) return undefined;
    const taskIds = (result[1] as unknown[]).flatMap((member) =>
      Array.isArray(member) && Array.isArray(member[0]) && typeof member[0][0] === 'string'
        ? [member[0][0]]
        : [],
    );
    return { groupId, taskIds };
  }

  async setChordSize(groupId: string, size: number): Promise<void> {
    await setChordSize(await this.#redis(), this.#chordBase(groupId), size, this.#expiresMs);
  }

  async chordPartReturned(groupId: string, part: ChordPart): Promise<ChordPartOutcome> {
    return chordPartReturned(await this.#redis(), this.#chordBase(groupId), part, this.#expiresMs);
  }

  /**
   * Deduplicated sends: `SET <prefix>celeriac-dedup-<key> <taskId> NX PX ttl`, and the
   * holder's id when the key is taken — one atomic step on the key's node, so every client
   * on this Redis agrees (on Sentinel and Cluster too: one key, one slot).
   */
  async claimDedup(key: string, taskId: string, ttlMs: number): Promise<DedupClaim> {
    const redis = await this.#redis();
    const name = this.#dedupKey(key);
    for (;;) {
      const set = await redis.set(name, taskId, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      if (set === 'OK') return { claimed: true };
      const holder = await redis.get(name);
      // Expired between the two calls: try to take it again.
      if (holder !== null)
        return holder === taskId ? { claimed: true } : { claimed: false, taskId: holder };
    }
  }

  /** Free `key` if `taskId` still holds it (compare and delete, one script). */
  async releaseDedup(key: string, taskId: string): Promise<void> {
    const redis = await this.#redis();
    await redis.eval(RELEASE_DEDUP, 1, this.#dedupKey(key), taskId);
  }

  #dedupKey(key: string): string {
    return `${this.#prefix}${DEDUP_PREFIX}${key}`;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#attempt?.abort();
      this.#listener?.close();
      const redis = this.#command;
      if (redis && redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis?.disconnect();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * A Celery-compatible Redis result backend for a `redis://` / `rediss://` URL.
 *
 * @example
 * ```ts
 * const backend = createRedisResultBackend('redis://127.0.0.1:6379/1', { resultExpires: 3600 });
 * const meta = await backend.wait(taskId, { timeoutMs: 10_000 });
 * ```
 */
export function createRedisResultBackend(
  url: string,
  options: RedisResultBackendOptions = {},
): RedisResultBackend {
  return new RedisResultBackend(url, options);
}
