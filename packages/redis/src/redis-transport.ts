/**
 * `RedisTransport`: the {@link Transport} contract over kombu's Redis data layout, so
 * celeriac and Python Celery share queues, bindings, acks and fanout on one Redis.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
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
import {
  ClosedError,
  ConnectionLostError,
  PublishError,
  TransportError,
  TransportStatus,
} from '@celeriac/protocol';
import { AckBatcher } from './ack-batcher.js';
import { ExchangeRouter } from './exchange-router.js';
import { FanoutListener } from './fanout-listener.js';
import { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';
import { withScripts } from './lua-scripts.js';
import type { RedisDelivery } from './redis-delivery.js';
import { restoreHeld } from './redis-delivery.js';
import type { SubscriptionHost } from './redis-subscription.js';
import { RedisSubscription } from './redis-subscription.js';
import { publishMessage } from './publish-message.js';
import { ioredisOptions, parseRedisUrl } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';
import type { RedisTransportOptions, ResolvedTransportOptions } from './transport-options.js';
import { resolveTransportOptions } from './transport-options.js';
import { recordMalformed, recordPublish, startReconnectSpan } from './telemetry.js';
import type { ReconnectSpan } from './telemetry.js';
import { restoreVisible } from './unacked-restorer.js';

/** A kombu-compatible Redis {@link Transport}. Create it with {@link createRedisTransport}. */
export class RedisTransport implements Transport {
  readonly kind = 'redis';
  /** Key and channel names in use (prefix, priority lists, unacked keys). */
  readonly keys: KombuKeys;
  readonly options: ResolvedTransportOptions;
  /** A unique id of this transport, part of its connection names. */
  readonly id = randomUUID().slice(0, 8);
  readonly #settings: RedisConnectionSettings;
  readonly #router: ExchangeRouter;
  readonly #listeners = new Set<(event: TransportStatusEvent) => void>();
  readonly #subscriptions = new Set<RedisSubscription>();
  readonly #held = new Map<RedisDelivery, true>();
  readonly #autoDelete = new Set<string>();
  readonly #acks: AckBatcher;
  #status: TransportStatus = TransportStatus.idle;
  #command: ScriptedRedis | undefined;
  #fanout: FanoutListener | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #everReady = false;
  #outage: ReconnectSpan | undefined;

  constructor(url: string, options: RedisTransportOptions = {}) {
    this.#settings = parseRedisUrl(url);
    this.options = resolveTransportOptions(options);
    const o = this.options;
    this.keys = new KombuKeys({ ...o, db: this.#settings.db });
    this.#router = new ExchangeRouter(this.keys, o.fanoutExchanges);
    this.#acks = new AckBatcher(
      this.keys,
      () => this.#redis(),
      () => {
        for (const subscription of this.#subscriptions) subscription.takeFreed();
      },
    );
  }

  get status(): TransportStatus {
    return this.#status;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #setStatus(status: TransportStatus, error?: Error): void {
    if (this.#status === status) return;
    this.#status = status;
    const event: TransportStatusEvent = error ? { status, error } : { status };
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** ioredis options for one connection of this transport. */
  #clientOptions(role: string, blocking: boolean) {
    const name = `${this.options.connectionName}:${this.id}:${role}`;
    return ioredisOptions(this.#settings, this.options.redis, name, blocking);
  }

  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('RedisTransport'));
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.#setStatus(TransportStatus.connecting);
    const client = withScripts(new Redis(this.#clientOptions('cmd', false)));
    this.#command = client;
    client.on('error', () => undefined);
    client.on('ready', () => {
      if (this.#closing) return;
      const again = this.#everReady;
      this.#everReady = true;
      this.#setStatus(TransportStatus.connected);
      this.#outage?.restored();
      this.#outage = undefined;
      if (again) this.#afterReconnect();
    });
    client.on('reconnecting', () => {
      if (!this.#closing) this.#lost();
    });
    client.on('close', () => {
      if (!this.#closing && this.#everReady) this.#lost();
    });
    try {
      await client.connect();
    } catch (cause) {
      this.#connecting = undefined;
      client.disconnect();
      this.#setStatus(TransportStatus.idle);
      throw new ConnectionLostError(
        `Could not connect to Redis at ${this.#settings.host}:${this.#settings.port}`,
        { cause },
      );
    }
  }

  #lost(): void {
    this.#setStatus(TransportStatus.reconnecting);
    const { host, port } = this.#settings;
    this.#outage ??= startReconnectSpan(`${host}:${port}`);
  }

  /** After an outage: bindings again (Redis may have restarted empty), consumers resume. */
  #afterReconnect(): void {
    const redis = this.#command!;
    for (const binding of this.#router.bindings) {
      void this.#router.bind(redis, binding).catch(() => undefined);
    }
    for (const subscription of this.#subscriptions) void subscription.pump();
  }

  /** The command connection; throws when closed. */
  #redis(): ScriptedRedis {
    if (this.#closing || !this.#command) throw new ClosedError('RedisTransport');
    return this.#command;
  }

  async #ready(): Promise<ScriptedRedis> {
    if (this.#closing) throw new ClosedError('RedisTransport');
    if (!this.#command) await this.connect();
    return this.#redis();
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
      recordPublish(destination, startedAt, copies);
    } catch (cause) {
      const error =
        this.#closing !== undefined
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
        this.#fanout ??= new FanoutListener(this.keys, () => this.#blockingClient('sub'));
        await this.#fanout.add(subscription, queue, binding.exchange, binding.routingKey);
      }
    }
    subscription.start();
    this.#startTimers();
    return subscription;
  }

  #blockingClient(role: string): Redis {
    const client = new Redis(this.#clientOptions(role, true));
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    return client;
  }

  #subscriptionHost(): SubscriptionHost {
    return {
      keys: this.keys,
      options: this.options,
      command: () => this.#redis(),
      ack: (delivery) => this.#acks.ack(delivery),
      blockingClient: (role) => this.#blockingClient(role),
      track: (delivery, held) => {
        if (!delivery.tracked) return;
        if (held) this.#held.set(delivery, true);
        else this.#held.delete(delivery);
      },
      reportError: () => undefined,
      removed: (subscription) => {
        this.#subscriptions.delete(subscription);
        void this.#fanout?.remove(subscription);
      },
      malformed: (m) => {
        recordMalformed(m.queue);
        this.options.onMalformedMessage(m);
      },
    };
  }

  /** Visibility restore and renewal run while this transport consumes. */
  #startTimers(): void {
    if (this.#timers.length > 0) return;
    void this.restoreVisible().catch(() => undefined);
    const restore = setInterval(() => {
      if (this.#subscriptions.size > 0) void this.restoreVisible().catch(() => undefined);
    }, this.options.restoreIntervalMs);
    restore.unref();
    this.#timers.push(restore);
    if (this.options.renewIntervalMs > 0) {
      const renew = setInterval(
        () => void this.renewHeld().catch(() => undefined),
        this.options.renewIntervalMs,
      );
      renew.unref();
      this.#timers.push(renew);
    }
  }

  /**
   * Restore messages any consumer held longer than the visibility timeout (normally run
   * on a timer). Returns how many, or -1 when another process holds the restore lock.
   */
  async restoreVisible(): Promise<number> {
    const redis = await this.#ready();
    return restoreVisible(redis, {
      keys: this.keys,
      router: this.#router,
      visibilityTimeout: this.options.visibilityTimeout,
      mutexExpireSeconds: this.options.unackedMutexExpire,
      limit: this.options.unackedRestoreLimit,
    });
  }

  /** Renew every delivery this transport holds (normally run on a timer). */
  async renewHeld(): Promise<void> {
    const tags = [...this.#held.keys()].map((d) => d.deliveryTag);
    if (tags.length === 0 || this.#closing) return;
    const now = Date.now() / 1000;
    await this.#redis().zadd(this.keys.unackedIndex, 'XX', ...tags.flatMap((tag) => [now, tag]));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    if (!this.#command) {
      this.#setStatus(TransportStatus.closed);
      return;
    }
    this.#setStatus(TransportStatus.closing);
    this.#outage?.abandoned();
    this.#outage = undefined;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.allSettled([...this.#subscriptions].map((s) => s.cancel()));
    const redis = this.#command;
    // Warm shutdown: every unsettled delivery goes back to the front of its queue.
    const errors = await restoreHeld(redis, [...this.#held.keys()]);
    if (this.#autoDelete.size > 0) {
      await Promise.allSettled([...this.#autoDelete].map((q) => this.#deleteQueueOn(redis, q)));
    }
    this.#fanout?.close();
    await redis.quit().catch(() => redis.disconnect());
    this.#setStatus(TransportStatus.closed);
    if (errors.length > 0) {
      throw new TransportError('Some unsettled deliveries could not be put back in Redis', {
        cause: new AggregateError(errors),
      });
    }
  }

  async #deleteQueueOn(redis: ScriptedRedis, name: string): Promise<void> {
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
