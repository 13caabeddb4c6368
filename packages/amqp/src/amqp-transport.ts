/**
 * The RabbitMQ transport: Celery's topology and message properties over amqplib, with
 * publisher confirms, per-subscription channels and automatic recovery.
 */
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
  TransportStatus,
  TransportStatusEvent,
} from '@celeriac/protocol';
import { ClosedError } from '@celeriac/protocol';
import type { Channel, ConfirmChannel } from 'amqplib';
import { AmqpConnection } from './amqp-connection.js';
import { patched as fieldTablePatched } from './amqplib-field-table-patch.js';
import type { LiveConnection } from './amqp-connection.js';
import { AmqpSubscription } from './amqp-subscription.js';
import type { SubscriptionHost } from './amqp-subscription.js';
import { parseAmqpUrl, redactUrl, toConnectOptions } from './amqp-url.js';
import type { BackoffOptions } from './backoff.js';
import { ChannelSlot } from './channel-slot.js';
import { DeclaredTopology } from './declared-topology.js';
import type { AmqpLogger } from './logger.js';
import { consoleLogger } from './logger.js';
import { ConfirmPublisher } from './publish.js';
import { assertExchangeOptions, assertQueueOptions } from './queue-arguments.js';
import type { AmqpTransportOptions, QosMode } from './transport-options.js';

const GLOBAL_QOS_REFUSED = /queue '((?:[^'\\]|\\.)*)' in vhost .* does not support global qos/;

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 404 || /NOT_FOUND|404/.test(String(error));
}

/** A {@link Transport} over RabbitMQ; create it with {@link createAmqpTransport}. */
export class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  readonly #connection: AmqpConnection;
  readonly #topology = new DeclaredTopology();
  readonly #subscriptions = new Set<AmqpSubscription>();
  readonly #quorumQueues = new Set<string>();
  readonly #admin: ChannelSlot<Channel>;
  readonly #publisher: ConfirmPublisher;
  readonly #logger: AmqpLogger;
  readonly #backoff: BackoffOptions;
  readonly #operationTimeoutMs: number;
  readonly #qos: QosMode;
  readonly #host: SubscriptionHost;
  #verifiedExchanges = { generation: -1, names: new Set<string>() };
  #channelSerial = 0;
  #closing: Promise<void> | undefined;

  constructor(url: string, options: AmqpTransportOptions = {}) {
    const parsed = parseAmqpUrl(url);
    this.#logger = options.logger ?? consoleLogger;
    this.#backoff = options.reconnect ?? {};
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#qos = options.qos ?? 'auto';
    const heartbeat = parsed.heartbeatSeconds ?? options.heartbeatSeconds ?? 60;
    this.#connection = new AmqpConnection({
      connect: toConnectOptions(parsed, heartbeat),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      backoff: this.#backoff,
      logger: this.#logger,
      describe: redactUrl(url),
    });
    this.#admin = new ChannelSlot('declaration', (model) => model.createChannel(), this.#logger);
    this.#publisher = new ConfirmPublisher({
      connection: this.#connection,
      channel: new ChannelSlot<ConfirmChannel>(
        'publisher',
        (model) => model.createConfirmChannel(),
        this.#logger,
        // A channel error may mean an exchange was deleted: check exchanges again.
        () => (this.#verifiedExchanges = { generation: -1, names: new Set() }),
      ),
      exchangeVerified: (live, exchange) =>
        this.#verifiedExchanges.generation === live.generation &&
        this.#verifiedExchanges.names.has(exchange),
      verifyExchange: (live, exchange) => this.#verifyExchange(live, exchange),
      timeoutMs: this.#operationTimeoutMs,
    });
    if (!fieldTablePatched) {
      this.#logger.warn(
        'amqplib was loaded before @celeriac/amqp: headers holding integers beyond 32 bits ' +
          '(py-amqp type L) will close the connection; import @celeriac/amqp first',
      );
    }
    this.#connection.onError((error) => {
      const refused = GLOBAL_QOS_REFUSED.exec(error.message);
      if (refused?.[1] !== undefined) {
        this.#logger.warn(
          `queue ${refused[1]} refuses channel-wide prefetch (a quorum queue); using per-consumer`,
        );
        this.#quorumQueues.add(refused[1]);
      }
    });
    this.#host = {
      logger: this.#logger,
      backoff: this.#backoff,
      live: () => this.#connection.live,
      nextChannelSerial: () => ++this.#channelSerial,
      channelWideQos: (queues) =>
        this.#qos === 'channel' ||
        (this.#qos === 'auto' && !queues.some((queue) => this.#quorumQueues.has(queue))),
      forget: (subscription) => this.#subscriptions.delete(subscription),
    };
    this.#connection.onConnected((live) => this.#redeclare(live));
    this.#connection.onConnected(async (live) => {
      for (const subscription of [...this.#subscriptions]) await subscription.resume(live);
    });
  }

  get status(): TransportStatus {
    return this.#connection.status;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    return this.#connection.onStatus(listener);
  }

  connect(): Promise<void> {
    return this.#connection.connect();
  }

  async #redeclare(live: LiveConnection): Promise<void> {
    const { exchanges, queues, bindings } = this.#topology.snapshot();
    if (exchanges.length + queues.length + bindings.length === 0) return;
    const channel = await this.#admin.get(live);
    for (const spec of exchanges)
      await channel.assertExchange(spec.name, spec.type, assertExchangeOptions(spec));
    for (const spec of queues) await channel.assertQueue(spec.name, assertQueueOptions(spec));
    for (const b of bindings) await channel.bindQueue(b.queue, b.exchange, b.routingKey);
  }

  /** Run a declaration-channel operation, waiting out an outage; retried once the connection is back. */
  async #onAdmin<T>(what: string, run: (channel: Channel) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#operationTimeoutMs;
    for (;;) {
      const live = await this.#connection.whenConnected(deadline - Date.now(), what);
      try {
        return await run(await this.#admin.get(live));
      } catch (cause) {
        // The connection dropped under the operation: wait for it and do it again.
        if (this.#connection.live?.generation !== live.generation && Date.now() < deadline)
          continue;
        throw this.#connection.error(what, cause);
      }
    }
  }

  async declareExchange(spec: ExchangeSpec): Promise<void> {
    await this.#onAdmin(`declaring exchange ${JSON.stringify(spec.name)}`, (channel) =>
      channel.assertExchange(spec.name, spec.type, assertExchangeOptions(spec)),
    );
    this.#topology.addExchange(spec);
    this.#verifiedExchanges.names.add(spec.name);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    const options = assertQueueOptions(spec);
    await this.#onAdmin(`declaring queue ${JSON.stringify(spec.name)}`, (channel) =>
      channel.assertQueue(spec.name, options),
    );
    this.#topology.addQueue(spec);
    if (spec.quorum === true) this.#quorumQueues.add(spec.name);
  }

  async bindQueue(binding: Binding): Promise<void> {
    await this.#onAdmin(
      `binding queue ${JSON.stringify(binding.queue)} to ${JSON.stringify(binding.exchange)}`,
      (channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey),
    );
    this.#topology.addBinding(binding);
  }

  async deleteQueue(name: string): Promise<void> {
    this.#topology.removeQueue(name);
    try {
      await this.#onAdmin(`deleting queue ${JSON.stringify(name)}`, (channel) =>
        channel.deleteQueue(name),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Delete an exchange; no error when it does not exist. Not part of `Transport`: Celery
   * never deletes exchanges, but tests and tools clean up with it.
   */
  async deleteExchange(name: string): Promise<void> {
    this.#topology.removeExchange(name);
    this.#verifiedExchanges.names.delete(name);
    try {
      await this.#onAdmin(`deleting exchange ${JSON.stringify(name)}`, (channel) =>
        channel.deleteExchange(name),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async purgeQueue(name: string): Promise<number> {
    try {
      const reply = await this.#onAdmin(`purging queue ${JSON.stringify(name)}`, (channel) =>
        channel.purgeQueue(name),
      );
      return reply.messageCount;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }

  async queueLength(name: string): Promise<number> {
    try {
      const reply = await this.#onAdmin(`checking queue ${JSON.stringify(name)}`, (channel) =>
        channel.checkQueue(name),
      );
      return reply.messageCount;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }

  /** Check once per connection that a named exchange exists, so a publish to a missing one fails alone. */
  async #verifyExchange(live: LiveConnection, exchange: string): Promise<void> {
    if (this.#verifiedExchanges.generation !== live.generation) {
      this.#verifiedExchanges = { generation: live.generation, names: new Set() };
    }
    if (this.#verifiedExchanges.names.has(exchange)) return;
    await this.#onAdmin(`checking exchange ${JSON.stringify(exchange)}`, (channel) =>
      channel.checkExchange(exchange),
    );
    this.#verifiedExchanges.names.add(exchange);
  }

  publish(message: BrokerMessage, route: Route, options: PublishOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedError('AMQP transport'));
    return this.#publisher.publish(message, route, options.signal);
  }

  async consume(
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    if (this.#closing !== undefined) throw new ClosedError('AMQP transport');
    if (queues.length === 0) throw new RangeError('consume needs at least one queue');
    const subscription = new AmqpSubscription(
      this.#host,
      queues,
      onMessage,
      options.prefetch,
      options.consumerTag,
    );
    const what = `consuming ${queues.map((q) => JSON.stringify(q)).join(', ')}`;
    const deadline = Date.now() + this.#operationTimeoutMs;
    for (;;) {
      const live = await this.#connection.whenConnected(deadline - Date.now(), what);
      try {
        await subscription.start(live);
        break;
      } catch (cause) {
        if (this.#connection.live?.generation !== live.generation && Date.now() < deadline)
          continue;
        throw this.#connection.error(what, cause);
      }
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Close the connection; unsettled deliveries go back to their queues. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const subscription of [...this.#subscriptions])
        await subscription.cancel().catch(() => undefined);
      await this.#connection.close();
      this.#publisher.stop();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Create a RabbitMQ transport for `amqp://user:pass@host:port/vhost` or `amqps://…`.
 * It connects on `connect()` (or the first operation).
 */
export function createAmqpTransport(
  url: string,
  options: AmqpTransportOptions = {},
): AmqpTransport {
  return new AmqpTransport(url, options);
}
