/**
 * Celery's `rpc://` result backend: results are messages, not stored state. A client
 * declares its reply queue `<oid>` and puts it in each task's `reply_to`; a worker sends
 * every state of that task there (default exchange, correlation id = task id); the
 * client remembers the latest state per task. Only the process that sent a task can
 * read its result, and groups/chords are not supported — exactly as in Celery.
 */
import { randomUUID } from 'node:crypto';
import type {
  GroupMeta,
  ResultBackend,
  ResultMeta,
  StoreContext,
  Subscription,
  Transport,
  WaitOptions,
} from '@celeriac/protocol';
import { ClosedError, TaskState, TimeoutError, isReady } from '@celeriac/protocol';
import { createAmqpTransport } from './amqp-transport.js';
import { declareQueueDeclaration, rpcResultQueue } from './celery-topology.js';
import { RpcBackendError } from './errors.js';
import type { AmqpLogger } from './logger.js';
import { consoleLogger } from './logger.js';
import { BoundedMap } from './bounded-map.js';
import { decodeRpcResult, encodeRpcResult } from './rpc-result-message.js';
import type { AmqpTransportOptions } from './transport-options.js';

/** Options of {@link createRpcResultBackend}. */
export interface RpcResultBackendOptions {
  /** Use this transport (not closed with the backend) instead of opening a connection. */
  transport?: Transport;
  /** Options of the connection opened from the URL. */
  transportOptions?: AmqpTransportOptions;
  /** Name of the reply queue; default a random UUID (Celery uses a per-thread uuid3 "oid"). */
  oid?: string;
  /** `x-expires` of the reply queue: Celery's `result_expires`. Default one day. */
  expiresMs?: number;
  /** Send replies persistent (delivery_mode 2, Celery's `result_persistent`). Default false. */
  persistent?: boolean;
  /** Add `date_done` to replies; Celery's rpc backend does not (default false). */
  includeDateDone?: boolean;
  /** How many tasks' latest states to remember. Default 10 000. */
  maxRemembered?: number;
  logger?: AmqpLogger;
}

interface Waiter {
  resolve(meta: ResultMeta): void;
  reject(error: Error): void;
  onUpdate?: (meta: ResultMeta) => void;
}

function pending(taskId: string): ResultMeta {
  return {
    taskId,
    status: TaskState.PENDING,
    result: null,
    traceback: null,
    children: [],
    dateDone: null,
  };
}

/** Whether `next` may replace `previous`: never SUCCESS, never a ready state by a non-ready one. */
function mayReplace(previous: string | undefined, next: string): boolean {
  if (previous === undefined) return true;
  if (previous === TaskState.SUCCESS) return false;
  return !(isReady(previous) && !isReady(next));
}

/** The `rpc://` result backend; create it with {@link createRpcResultBackend}. */
export class RpcResultBackend implements ResultBackend {
  readonly kind = 'rpc';
  readonly replyTo: string;
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;
  readonly #options: RpcResultBackendOptions;
  readonly #logger: AmqpLogger;
  readonly #latest: BoundedMap<string, ResultMeta>;
  readonly #sent: BoundedMap<string, string>;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #subscription: Subscription | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(transport: Transport, ownsTransport: boolean, options: RpcResultBackendOptions = {}) {
    this.#transport = transport;
    this.#ownsTransport = ownsTransport;
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger;
    this.replyTo = options.oid ?? randomUUID();
    const max = options.maxRemembered ?? 10_000;
    this.#latest = new BoundedMap(max);
    this.#sent = new BoundedMap(max);
  }

  /** Connect, declare the reply queue and start consuming it; idempotent. */
  connect(): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedError('rpc result backend'));
    this.#connecting ??= this.#connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    await this.#transport.connect();
    await declareQueueDeclaration(
      this.#transport,
      rpcResultQueue(this.replyTo, this.#options.expiresMs),
    );
    this.#subscription = await this.#transport.consume(
      [this.replyTo],
      (delivery) => {
        // Celery consumes replies with no_ack; ack at once, then read.
        void delivery.ack();
        try {
          const meta = decodeRpcResult(
            delivery.message.body,
            delivery.message.properties.correlationId,
          );
          this.#receive(meta);
        } catch (error) {
          this.#logger.warn(`dropped an unreadable rpc reply on ${this.replyTo}`, { error });
        }
      },
      { prefetch: 0, consumerTag: `rpc-results.${this.replyTo}` },
    );
  }

  #receive(meta: ResultMeta): void {
    if (!mayReplace(this.#latest.get(meta.taskId)?.status, meta.status)) return;
    this.#latest.set(meta.taskId, meta);
    const waiters = this.#waiters.get(meta.taskId);
    if (waiters === undefined) return;
    for (const waiter of [...waiters]) {
      try {
        waiter.onUpdate?.(meta);
      } catch (error) {
        this.#logger.warn('an onUpdate callback threw', { error });
      }
      if (isReady(meta.status)) waiter.resolve(meta);
    }
  }

  /** The reply queue receives every reply already; only the connection is needed. */
  async expect(_taskId: string): Promise<void> {
    await this.connect();
  }

  /**
   * Send `meta` to the reply queue named by the task's `reply_to` (the worker side).
   * Returns false, sending nothing, when this backend already sent SUCCESS for the task,
   * or a ready state and `meta` is not ready.
   */
  async store(meta: ResultMeta, context?: StoreContext): Promise<boolean> {
    const replyTo = context?.replyTo;
    if (replyTo === undefined || replyTo === '') {
      throw new RpcBackendError(
        'no-reply-to',
        `Cannot send the ${meta.status} result of task ${meta.taskId}: the rpc:// backend needs the ` +
          "task message's reply_to (the client's reply queue) and none was given",
      );
    }
    if (!mayReplace(this.#sent.get(meta.taskId), meta.status)) return false;
    if (this.#closing !== undefined) throw new ClosedError('rpc result backend');
    await this.#transport.connect();
    await this.#transport.publish(
      {
        body: encodeRpcResult(meta, { includeDateDone: this.#options.includeDateDone ?? false }),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {},
        properties: {
          correlationId: context?.correlationId ?? meta.taskId,
          deliveryMode: this.#options.persistent === true ? 2 : 1,
        },
      },
      { exchange: '', routingKey: replyTo },
    );
    this.#sent.set(meta.taskId, meta.status);
    return true;
  }

  /** The latest state received for `taskId`, PENDING when none arrived. */
  async get(taskId: string): Promise<ResultMeta> {
    await this.connect();
    return this.#latest.get(taskId) ?? pending(taskId);
  }

  async wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const { signal, timeoutMs, onUpdate } = options;
    signal?.throwIfAborted();
    await this.connect();
    const known = this.#latest.get(taskId);
    if (known !== undefined && isReady(known.status)) return known;
    // A state that arrived before this wait (PROGRESS, STARTED…) is news to this caller.
    if (known !== undefined) onUpdate?.(known);
    return new Promise<ResultMeta>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.#waiters.get(taskId);
        set?.delete(waiter);
        if (set?.size === 0) this.#waiters.delete(taskId);
      };
      const waiter: Waiter = {
        resolve: (meta) => {
          done();
          resolve(meta);
        },
        reject: (error) => {
          done();
          reject(error);
        },
        ...(onUpdate === undefined ? {} : { onUpdate }),
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason as Error);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(
            new TimeoutError(
              `No result for task ${taskId} on rpc reply queue ${this.replyTo} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      let set = this.#waiters.get(taskId);
      if (set === undefined) this.#waiters.set(taskId, (set = new Set()));
      set.add(waiter);
    });
  }

  forget(taskId: string): Promise<void> {
    this.#latest.delete(taskId);
    this.#sent.delete(taskId);
    return Promise.resolve();
  }

  /** Not supported: Celery's rpc backend cannot save groups either (no stored state). */
  saveGroup(group: GroupMeta): Promise<void> {
    return Promise.reject(
      new RpcBackendError(
        'unsupported',
        `Cannot save group ${group.groupId}: the rpc:// result backend keeps no state, so groups and ` +
          'chords need a stored backend such as redis://',
      ),
    );
  }

  /** Always undefined: nothing is ever saved. */
  getGroup(_groupId: string): Promise<GroupMeta | undefined> {
    return Promise.resolve(undefined);
  }

  /** Stop consuming and close the connection when this backend opened it. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = new ClosedError('rpc result backend');
      for (const waiters of [...this.#waiters.values()]) {
        for (const waiter of [...waiters]) waiter.reject(closed);
      }
      await this.#connecting?.catch(() => undefined);
      await this.#subscription?.cancel().catch(() => undefined);
      if (this.#ownsTransport) await this.#transport.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Create an `rpc://` result backend over a RabbitMQ broker URL (`amqp://…`), or over an
 * existing transport with `{ transport }` (then `url` may be `rpc://`).
 */
export function createRpcResultBackend(
  url: string,
  options: RpcResultBackendOptions = {},
): RpcResultBackend {
  if (options.transport !== undefined)
    return new RpcResultBackend(options.transport, false, options);
  return new RpcResultBackend(createAmqpTransport(url, options.transportOptions), true, options);
}
