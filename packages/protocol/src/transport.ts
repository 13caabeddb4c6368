/**
 * The broker interface that `@celeriac/memory`, `@celeriac/redis` and `@celeriac/amqp`
 * implement, and that `@celeriac/testing`'s conformance suite checks. Its semantics are
 * AMQP's as Celery uses them; Redis emulates them the way kombu does so both sides of a
 * mixed Python/TypeScript fleet agree.
 */
import type { BrokerMessage, Route } from './broker-message.js';

/** Exchange kinds Celery uses. */
export const ExchangeType = {
  direct: 'direct',
  fanout: 'fanout',
  topic: 'topic',
} as const;
/** One of the values of {@link ExchangeType}. */
export type ExchangeType = (typeof ExchangeType)[keyof typeof ExchangeType];

/** An exchange to declare. Declaring an existing exchange again is harmless. */
export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
  /** Survives a broker restart (AMQP). Default true for direct/topic, false for fanout. */
  durable?: boolean;
  autoDelete?: boolean;
}

/** A queue to declare, with the arguments Celery maps to `x-*` queue arguments. */
export interface QueueSpec {
  name: string;
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
  /** `x-max-priority`: enables priorities on RabbitMQ (higher is served first). */
  maxPriority?: number;
  /** `x-message-ttl` in milliseconds. */
  messageTtlMs?: number;
  /** `x-expires` in milliseconds: the queue is deleted after this long unused. */
  expiresMs?: number;
  /** `x-max-length`. */
  maxLength?: number;
  /** `x-dead-letter-exchange`: where rejected and expired messages go. */
  deadLetterExchange?: string;
  /** `x-dead-letter-routing-key`. */
  deadLetterRoutingKey?: string;
  /** Declare a RabbitMQ quorum queue (`x-queue-type: quorum`). */
  quorum?: boolean;
}

/** A binding from an exchange to a queue. Topic keys use `*` (one word) and `#` (any). */
export interface Binding {
  queue: string;
  exchange: string;
  routingKey: string;
}

/** Options of {@link Transport.publish}. */
export interface PublishOptions {
  /** Aborts waiting for the broker's confirmation (the message may still arrive). */
  signal?: AbortSignal;
}

/** One message handed to a consumer. Settle it exactly once: ack or reject. */
export interface Delivery {
  readonly message: BrokerMessage;
  /** Transport-unique tag: a UUID on Redis (kombu's), the channel tag on AMQP. */
  readonly deliveryTag: string;
  /** Exchange and routing key the message was published with. */
  readonly exchange: string;
  readonly routingKey: string;
  /** The queue it was taken from. */
  readonly queue: string;
  /** True when the broker delivered this message before (a consumer died or requeued it). */
  readonly redelivered: boolean;
  /** Done with the message: the broker forgets it. */
  ack(): Promise<void>;
  /** Give the message up: back to its queue when `requeue`, else dropped or dead-lettered. */
  reject(options: { requeue: boolean }): Promise<void>;
  /**
   * Tell the broker the message is still being worked on, so it is not given to another
   * consumer meanwhile. Redis renews the visibility lease; AMQP holds unacked messages per
   * channel and needs nothing, so there it resolves at once.
   */
  renew(): Promise<void>;
}

/** Options of {@link Transport.consume}. */
export interface ConsumeOptions {
  /** Unsettled deliveries allowed at once (AMQP basic.qos); 0 means no limit. */
  prefetch: number;
  /** Name for logs and broker tools. */
  consumerTag?: string;
}

/** A running consumer. */
export interface Subscription {
  /** Change the prefetch limit, e.g. raised by one per ETA task held (as Celery does). */
  setPrefetch(prefetch: number): void;
  /**
   * Stop receiving. Deliveries already handed out stay valid until settled; those still
   * unsettled when the transport closes go back to their queues.
   */
  cancel(): Promise<void>;
}

/** Connection states of a transport. */
export const TransportStatus = {
  /** Not connected yet. */
  idle: 'idle',
  connecting: 'connecting',
  connected: 'connected',
  /** The connection dropped; the transport is reconnecting and will resume consumers. */
  reconnecting: 'reconnecting',
  closing: 'closing',
  closed: 'closed',
} as const;
/** One of the values of {@link TransportStatus}. */
export type TransportStatus = (typeof TransportStatus)[keyof typeof TransportStatus];

/** A status change, with the error that caused it when there was one. */
export interface TransportStatusEvent {
  status: TransportStatus;
  error?: Error;
}

/**
 * A connection to a message broker.
 *
 * Contract (checked by `@celeriac/testing`):
 * - `publish` resolves only once the broker holds the message (confirms on AMQP; the
 *   write reply on Redis) and rejects with a `PublishError`/`ConnectionLostError`
 *   otherwise — a message is never silently lost between the two.
 * - Publishing to the default exchange `""` delivers to the queue named by the routing
 *   key. Publishing to a named exchange routes through its bindings; an unroutable message
 *   is dropped, as kombu and RabbitMQ do.
 * - Within one queue and priority, delivery is FIFO.
 * - A delivery not settled when its consumer's transport closes (or its process dies) is
 *   delivered again, with `redelivered` true.
 * - After a dropped connection the transport reconnects by itself, declares again what
 *   was declared, and resumes every subscription; `status` reports the outage.
 * - `close()` is idempotent and returns unsettled deliveries to their queues.
 */
export interface Transport extends AsyncDisposable {
  /** `memory`, `redis`, `amqp`: the URL scheme family. */
  readonly kind: string;
  /** Current connection status. */
  readonly status: TransportStatus;
  /** Listen to status changes; returns the function that stops listening. */
  onStatus(listener: (event: TransportStatusEvent) => void): () => void;

  /** Connect (idempotent); resolves when connected. */
  connect(): Promise<void>;

  declareExchange(spec: ExchangeSpec): Promise<void>;
  declareQueue(spec: QueueSpec): Promise<void>;
  bindQueue(binding: Binding): Promise<void>;
  /** Delete a queue and its messages; no error when it does not exist. */
  deleteQueue(name: string): Promise<void>;
  /** Remove every ready message of a queue; returns how many. */
  purgeQueue(name: string): Promise<number>;
  /** Ready (not delivered) messages in a queue, all priorities together. */
  queueLength(name: string): Promise<number>;

  /** Publish a message; see the contract above. */
  publish(message: BrokerMessage, route: Route, options?: PublishOptions): Promise<void>;

  /**
   * Consume from queues, in priority order and round-robin among the queues. `onMessage`
   * is called once per delivery; the transport stops delivering while `prefetch`
   * deliveries are unsettled.
   */
  consume(
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    options: ConsumeOptions,
  ): Promise<Subscription>;

  /** Close the connection; idempotent (the same promise each time). */
  close(): Promise<void>;
}
