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
import type { ConfirmChannel } from 'amqplib';
import { AmqpAdmin } from './amqp-admin.js';
import { AmqpConnection } from './amqp-connection.js';
import { brokerHosts, parseBrokerUrl } from './broker-url.js';
import { FailoverStrategy, HostRotation } from './failover.js';
import { patched as fieldTablePatched } from './amqplib-field-table-patch.js';
import { AmqpSubscription } from './amqp-subscription.js';
import type { SubscriptionHost } from './amqp-subscription.js';
import { withDefaultQueueType } from './queue-arguments.js';
import { tlsSocketOptions } from './tls-params.js';
import { redactUrl } from './amqp-url.js';
import type { BackoffOptions } from './backoff.js';
import { ChannelSlot } from './channel-slot.js';
import type { AmqpLogger } from './logger.js';
import { consoleLogger } from './logger.js';
import { ConfirmPublisher } from './publish.js';
import type { AmqpTransportOptions, QosMode } from './transport-options.js';

const GLOBAL_QOS_REFUSED = /queue '((?:[^'\\]|\\.)*)' in vhost .* does not support global qos/;

/** A {@link Transport} over RabbitMQ; create it with {@link createAmqpTransport}. */
export class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  readonly #connection: AmqpConnection;
  readonly #subscriptions = new Set<AmqpSubscription>();
  readonly #admin: AmqpAdmin;
  readonly #publisher: ConfirmPublisher;
  readonly #logger: AmqpLogger;
  readonly #backoff: BackoffOptions;
  readonly #operationTimeoutMs: number;
  readonly #qos: QosMode;
  readonly #host: SubscriptionHost;
  #channelSerial = 0;
  #closing: Promise<void> | undefined;
  readonly #defaultQueueType: 'classic' | 'quorum';

  constructor(url: string, options: AmqpTransportOptions = {}) {
    const parsed = parseBrokerUrl(url);
    this.#logger = options.logger ?? consoleLogger;
    this.#backoff = options.reconnect ?? {};
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#qos = options.qos ?? 'auto';
    this.#defaultQueueType = options.defaultQueueType ?? 'classic';
    const hosts = brokerHosts(parsed, options.heartbeatSeconds ?? 60);
    const strategy =
      parsed.failoverStrategy ?? options.failoverStrategy ?? FailoverStrategy.roundRobin;
    const extra: Record<string, unknown> = {};
    if (options.connectionName !== undefined) {
      extra.clientProperties = { connection_name: options.connectionName };
    }
    this.#connection = new AmqpConnection({
      hosts: new HostRotation(hosts, strategy),
      socketOptions: async (host) => ({
        ...(await tlsSocketOptions(host.tls, options.tls)),
        ...extra,
      }),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      backoff: this.#backoff,
      logger: this.#logger,
      describe: redactUrl(url),
    });
    this.#admin = new AmqpAdmin(this.#connection, this.#logger, this.#operationTimeoutMs);
    this.#publisher = new ConfirmPublisher({
      connection: this.#connection,
      channel: new ChannelSlot<ConfirmChannel>(
        'publisher',
        (model) => model.createConfirmChannel(),
        this.#logger,
        // A channel error may mean an exchange was deleted: check exchanges again.
        () => this.#admin.forgetExchanges(),
      ),
      exchangeVerified: (live, exchange) => this.#admin.exchangeVerified(live, exchange),
      verifyExchange: (live, exchange) => this.#admin.verifyExchange(live, exchange),
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
        this.#admin.quorumQueues.add(refused[1]);
      }
    });
    this.#host = {
      logger: this.#logger,
      backoff: this.#backoff,
      live: () => this.#connection.live,
      nextChannelSerial: () => ++this.#channelSerial,
      channelWideQos: (queues) =>
        this.#qos === 'channel' ||
        (this.#qos === 'auto' && !queues.some((queue) => this.#admin.quorumQueues.has(queue))),
      forget: (subscription) => this.#subscriptions.delete(subscription),
      redeclare: (live, queue) => this.#admin.redeclareQueue(live, queue),
    };
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

  declareExchange(spec: ExchangeSpec): Promise<void> {
    return this.#admin.declareExchange(spec);
  }

  declareQueue(spec: QueueSpec): Promise<void> {
    return this.#admin.declareQueue(withDefaultQueueType(spec, this.#defaultQueueType));
  }

  bindQueue(binding: Binding): Promise<void> {
    return this.#admin.bindQueue(binding);
  }

  deleteQueue(name: string): Promise<void> {
    return this.#admin.deleteQueue(name);
  }

  /**
   * Delete an exchange; no error when it does not exist. Not part of `Transport`: Celery
   * never deletes exchanges, but tests and tools clean up with it.
   */
  deleteExchange(name: string): Promise<void> {
    return this.#admin.deleteExchange(name);
  }

  purgeQueue(name: string): Promise<number> {
    return this.#admin.purgeQueue(name);
  }

  queueLength(name: string): Promise<number> {
    return this.#admin.queueLength(name);
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
 * Create a RabbitMQ transport for `amqp://user:pass@host:port/vhost` or `amqps://…`, or a
 * cluster's hosts separated by `;` (`amqp://u:p@h1//;amqp://u:p@h2//`), tried in order or
 * shuffled (`failoverStrategy`) on start and on every reconnection. It connects on
 * `connect()` (or the first operation).
 */
export function createAmqpTransport(
  url: string,
  options: AmqpTransportOptions = {},
): AmqpTransport {
  return new AmqpTransport(url, options);
}
