/**
 * Options of {@link createAmqpTransport}.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { BackoffOptions } from './backoff.js';
import type { FailoverStrategy } from './failover.js';
import type { AmqpLogger } from './logger.js';

/** How prefetch is applied; see {@link AmqpTransportOptions.qos}. */
export const QosMode = {
  /** Channel-wide unless a queue is known to be a quorum queue. */
  auto: 'auto',
  /** basic.qos global: one limit across the subscription's queues, changeable live (Celery's choice). */
  channel: 'channel',
  /** basic.qos per consumer: what quorum queues require; changed live by restarting consumers. */
  consumer: 'consumer',
} as const;
/** One of the values of {@link QosMode}. */
export type QosMode = (typeof QosMode)[keyof typeof QosMode];

/** Options of an AMQP transport. */
export interface AmqpTransportOptions {
  /**
   * AMQP heartbeat in seconds; a URL's `?heartbeat=` wins. Default 60. `0` disables
   * heartbeats (then a dead peer is noticed only by TCP). Both sides close a connection
   * after missing about two heartbeats, which is how the broker notices a worker cut off
   * by the network and redelivers its unacknowledged messages.
   */
  heartbeatSeconds?: number;
  /** TLS options for `amqps://` (ca, cert, key, passphrase, servername, rejectUnauthorized…). */
  tls?: TlsOptions;
  /** Shown by `rabbitmqctl list_connections client_properties` and the management UI. */
  connectionName?: string;
  /**
   * Bound on connecting to one host (TCP, TLS and AMQP handshakes). `connect()` makes one
   * attempt over the URL's hosts and rejects with `AmqpConnectError`; retrying at start-up
   * is the caller's (the worker's) job. Default 10 000 ms.
   */
  connectTimeoutMs?: number;
  /**
   * How long a publish or declaration waits for a lost connection to come back (and a
   * publish for its confirm) before failing with `ConnectionLostError`. Default 30 000 ms.
   */
  operationTimeoutMs?: number;
  /** Reconnection backoff. Default 100 ms doubling to 10 s, half of each delay random. */
  reconnect?: BackoffOptions;
  /**
   * How the hosts of a multi-host URL are tried, on start and on every reconnection:
   * `round-robin` (in order, starting after the host just lost) or `shuffle` (kombu's
   * `failover_strategy`). A URL's `?failover_strategy=` wins. Default `round-robin`.
   */
  failoverStrategy?: FailoverStrategy;
  /**
   * The type of the queues this transport declares when their spec does not say
   * (`quorum` is Celery 5.5's `task_default_queue_type = 'quorum'`): durable queues without
   * priorities or expiry become quorum queues; reply, pidbox and event queues stay classic.
   * Default `classic`.
   */
  defaultQueueType?: 'classic' | 'quorum';
  /** Prefetch mode. Default `auto`. */
  qos?: QosMode;
  /** Where reconnections, stale acks and consumer restarts are reported. Default console. */
  logger?: AmqpLogger;
}
