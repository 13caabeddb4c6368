/**
 * `RedisTransport`: the {@link Transport} contract over kombu's Redis data layout, so
 * celeriac and Python Celery share queues, bindings, acks and fanout on one Redis.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  Binding,
  BrokerMessage,
  ConsumeOptions,
  Delivery,
  ExchangeSpec,
  PublishOptions,
  QueueSpec,
  Route,
  Subscription,
  Transport,
  TransportStatusEvent,
} from '@celeriac/protocol';
import { ClosedError, PublishError, TransportError, TransportStatus } from '@celeriac/protocol';
import { AckBatcher } from './ack-batcher.js';
import { ExchangeRouter } from './exchange-router.js';
import { FanoutListener } from './fanout-listener.js';
import { KombuKeys } from './kombu-keys.js';
import { HeldDeliveries, startUpkeep } from './held-deliveries.js';
import type { ScriptedRedis } from './lua-scripts.js';
import type { SubscriptionHost } from './redis-subscription.js';
import { RedisSubscription } from './redis-subscription.js';
import { publishMessage } from './publish-message.js';
import { parseRedisUrl } from './redis-url.js';
import { TransportConnection } from './transport-connection.js';
import type { RedisTransportOptions, ResolvedTransportOptions } from './transport-options.js';
import { resolveTransportOptions } from './transport-options.js';
import { recordMalformed, recordPublish } from './telemetry.js';
import { restoreVisible } from './unacked-restorer.js';

/** A kombu-compatible Redis {@link Transport}. Create it with {@link createRedisTransport}. */
export class RedisTransport implements Transport {
  readonly kind = 'redis';
  /** Key and channel names in use (prefix, priority lists, unacked keys). */
  readonly keys: KombuKeys;
  readonly options: ResolvedTransportOptions;
  /** A unique id of this transport, part of its connection names. */
  readonly id = randomUUID().slice(0, 8);
  readonly #conn: TransportConnection;
  readonly #router: ExchangeRouter;
  readonly #subscriptions = new Set<RedisSubscription>();
  readonly #held = new HeldDeliveries();
  readonly #autoDelete = new Set<string>();
  readonly #acks: AckBatcher;
  #fanout: FanoutListener | undefined;
  #closing: Promise<void> | undefined;
  #stopUpkeep: (() => void) | undefined;

  constructor(url: string, options: RedisTransportOptions = {}) {
    const settings = parseRedisUrl(url);
    this.options = resolveTransportOptions(options);
    const o = this.options;
    this.keys = new KombuKeys({ ...o, db: settings.db, cluster: settings.mode === 'cluster' });
    this.#router = new ExchangeRouter(this.keys, o.fanoutExchanges);
    this.#conn = new TransportConnection(url, settings, o, this.id, () => this.#afterReconnect());
    this.#acks = new AckBatcher(
      this.keys,
      () => this.#conn.command(),
      () => {
        for (const subscription of this.#subscriptions) subscription.takeFreed();
      },
    );
  }

  get status(): TransportStatus {
    return this.#conn.status;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    return this.#conn.onStatus(listener);
  }

  connect(): Promise<void> {
    return this.#conn.connect();
  }

  /** After an outage: bindings again (Redis may have restarted empty), consumers resume. */
  #afterReconnect(): void {
    const redis = this.#conn.command();
    for (const binding of this.#router.bindings) {
      void this.#router.bind(redis, binding).catch(() => undefined);
    }
    for (const subscription of this.#subscriptions) void subscription.pump();
    void this.#held.retryAcks(redis, this.keys).catch(() => undefined);
  }

  #ready(): Promise<ScriptedRedis> {
    return this.#conn.ready();
  }

  /** `publishWaitReplicas`: the publish counts once enough replicas have it. */
  async #replicated(redis: ScriptedRedis, destination: string): Promise<void> {
    const wait = this.options.publishWaitReplicas;
    if (!wait || this.keys.cluster) return;
    const acked = await redis.wait(wait.replicas, wait.timeoutMs);
    if (acked < wait.replicas) {
      throw new PublishError(
        `Redis took the message for ${destination}, but only ${acked} of ${wait.replicas} ` +
          `replicas have it after ${wait.timeoutMs} ms (publishWaitReplicas)`,
        { retryable: true },
      );
    }
  }

  async declareExchange(spec: ExchangeSpec): Promise<void> {
    await this.#ready();
    this.#router.declare(spec.name, spec.type);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    // kombu keeps nothing in Redis for a queue until a message or a binding exists.
    await this.#ready();
    if (spec.autoDelete) this.#autoDelete.add(spec.name);
  }

  async bindQueue(binding: Binding): Promise<void> {
    const redis = await this.#ready();
    await this.#router.bind(redis, binding);
  }

  async deleteQueue(name: string): Promise<void> {
    const redis = await this.#ready();
    await this.#deleteQueueOn(redis, name);
    this.#router.forgetQueue(name);
    this.#autoDelete.delete(name);
  }

  async purgeQueue(name: string): Promise<number> {
    const redis = await this.#ready();
    return redis.celeriacPurge(this.keys.queueKeys(name));
  }

  async queueLength(name: string): Promise<number> {
    const redis = await this.#ready();
    const lengths = await Promise.all(this.keys.queueKeys(name).map((key) => redis.llen(key)));
    return lengths.reduce((a, b) => a + b, 0);
  }

  async publish(message: BrokerMessage, route: Route, options: PublishOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const redis = await this.#ready();
    const priority = message.properties.priority ?? 0;
    const destination = route.exchange || route.routingKey;
    const startedAt = performance.now();
    try {
      const copies = await publishMessage(redis, this.keys, this.#router, message, route, priority);
      await this.#replicated(redis, destination);
      recordPublish(destination, startedAt, copies);
    } catch (cause) {
      const error =
        cause instanceof PublishError
          ? cause
          : this.#conn.closing
            ? new ClosedError('RedisTransport')
            : new PublishError(
                `Redis did not take the message for ${route.exchange || '(default)'}/${route.routingKey}`,
                { cause, retryable: true },
              );
      recordPublish(destination, startedAt, 0, error);
      throw error;
    }
  }

  async consume(
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    await this.#ready();
    const listQueues = queues.filter((q) => this.#router.usesLists(q));
    const subscription = new RedisSubscription(
      this.#subscriptionHost(),
      queues,
      listQueues,
      onMessage,
      options.prefetch,
    );
    this.#subscriptions.add(subscription);
    for (const queue of queues) {
      for (const binding of this.#router.fanoutBindingsOf(queue)) {
        this.#fanout ??= new FanoutListener(this.keys, () => this.#conn.blockingClient('sub'));
        await this.#fanout.add(subscription, queue, binding.exchange, binding.routingKey);
      }
    }
    subscription.start();
    // Visibility restore and renewal run while this transport consumes.
    this.#stopUpkeep ??= startUpkeep({
      restoreIntervalMs: this.options.restoreIntervalMs,
      renewIntervalMs: this.options.renewIntervalMs,
      consuming: () => this.#subscriptions.size > 0,
      restore: () => this.restoreVisible(),
      renew: () => this.renewHeld(),
    });
    return subscription;
  }

  #subscriptionHost(): SubscriptionHost {
    return {
      keys: this.keys,
      options: this.options,
      command: () => this.#conn.command(),
      ack: (delivery) => this.#acks.ack(delivery),
      blockingClient: (role: string): Redis => this.#conn.blockingClient(role),
      track: (delivery, held) => this.#held.track(delivery, held),
      ackLater: (delivery) => this.#held.ackLater(delivery),
      reportError: () => undefined,
      removed: (subscription) => {
        this.#subscriptions.delete(subscription);
        void this.#fanout?.remove(subscription);
      },
      malformed: (m) => {
        recordMalformed(m.queue);
        try {
          this.options.onMalformedMessage(m);
        } catch (error) {
          process.emitWarning(
            `celeriac: onMalformedMessage threw for a message from Redis queue ${JSON.stringify(m.queue)}: ${String(error)}`,
            { code: 'CELERIAC_MALFORMED_MESSAGE' },
          );
        }
      },
    };
  }

  /**
   * Restore messages any consumer held longer than the visibility timeout (normally run
   * on a timer). Returns how many, or -1 when another process holds the restore lock.
   */
  async restoreVisible(): Promise<number> {
    const redis = await this.#ready();
    const options = {
      keys: this.keys,
      router: this.#router,
      visibilityTimeout: this.options.visibilityTimeout,
      mutexExpireSeconds: this.options.unackedMutexExpire,
      limit: this.options.unackedRestoreLimit,
    };
    if (!this.keys.cluster) return restoreVisible(redis, options);
    // On a Cluster each queue has its own unacked keys: restore those of the queues consumed.
    let restored = 0;
    for (const queue of new Set([...this.#subscriptions].flatMap((s) => s.queues))) {
      restored += Math.max(0, await restoreVisible(redis, { ...options, queue }));
    }
    return restored;
  }

  /** Renew every delivery this transport holds (normally run on a timer). */
  async renewHeld(): Promise<void> {
    if (this.#held.size === 0 || this.#conn.closing) return;
    await this.#held.renew(this.#conn.command(), this.keys);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    const redis = this.#conn.beginClose();
    if (!redis) {
      this.#conn.setStatus(TransportStatus.closed);
      return;
    }
    this.#stopUpkeep?.();
    await Promise.allSettled([...this.#subscriptions].map((s) => s.cancel()));
    // Warm shutdown: acks that failed are done now, and every unsettled delivery goes back
    // to the front of its queue.
    const errors = await this.#held.restoreAll(redis, this.keys);
    if (this.#autoDelete.size > 0) {
      await Promise.allSettled([...this.#autoDelete].map((q) => this.#deleteQueueOn(redis, q)));
    }
    this.#fanout?.close();
    await redis.quit().catch(() => redis.disconnect());
    this.#conn.setStatus(TransportStatus.closed);
    if (errors.length > 0) {
      throw new TransportError('Some unsettled deliveries could not be put back in Redis', {
        cause: new AggregateError(errors),
      });
    }
  }

  async #deleteQueueOn(redis: ScriptedRedis, name: string): Promise<void> {
    if (this.keys.cluster) {
      // The binding sets and the queue's lists sit in different slots: no one MULTI.
      for (const binding of this.#router.bindings.filter((b) => b.queue === name)) {
        await redis.srem(this.keys.bindingKey(binding.exchange), this.#router.memberOf(binding));
      }
      await redis.del(...this.keys.queueKeys(name));
      return;
    }
    const pipeline = redis.multi();
    for (const binding of this.#router.bindings.filter((b) => b.queue === name)) {
      pipeline.srem(this.keys.bindingKey(binding.exchange), this.#router.memberOf(binding));
    }
    pipeline.del(...this.keys.queueKeys(name));
    await pipeline.exec();
  }
}

/**
 * A Redis transport for `redis://` / `rediss://` URLs, kombu-compatible.
 *
 * @example
 * ```ts
 * const transport = createRedisTransport('redis://127.0.0.1:6379/0', { visibilityTimeout: 600 });
 * await transport.connect();
 * ```
 */
export function createRedisTransport(
  url: string,
  options: RedisTransportOptions = {},
): RedisTransport {
  return new RedisTransport(url, options);
}
