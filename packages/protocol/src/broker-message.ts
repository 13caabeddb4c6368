/**
 * A message as a broker carries it: serialized bytes plus the metadata kombu keeps beside
 * them. Transports move these without looking inside; `task-message.ts` gives them meaning.
 */

/**
 * AMQP basic properties (and their emulation in kombu's Redis envelope). Names are
 * camelCase here; each transport maps them to its wire form (`correlation_id`, …).
 */
export interface MessageProperties {
  /** The task id for task messages; the request id for replies. */
  correlationId?: string;
  /** The sender's reply queue (Celery's per-process "oid"), used by `rpc://` results. */
  replyTo?: string;
  /** 2 = persistent (tasks), 1 = transient (events, remote control). */
  deliveryMode?: 1 | 2;
  /** 0..255 on AMQP; Redis buckets 0..9 into four lists. */
  priority?: number;
  /** Broker-side TTL in milliseconds, as a decimal string (kombu's form). */
  expiration?: string;
  /**
   * Property keys this interface does not name, kept so a message read from the wire can
   * be written back unchanged (Celery's retry leaks `origin` and `replaced_task_nesting`).
   */
  extra?: Record<string, unknown>;
}

/** What a producer hands a transport and a consumer gets back. */
export interface BrokerMessage {
  /** Serialized, possibly compressed, bytes (the `compression` header says which). */
  body: Uint8Array;
  /** MIME type of the *uncompressed* payload, e.g. `application/json`. */
  contentType: string;
  /** `utf-8` for text serializers, `binary` otherwise. */
  contentEncoding: string;
  /** Application headers: the task metadata of protocol v2. */
  headers: Record<string, unknown>;
  properties: MessageProperties;
}

/** Where a message is published: an exchange (`""` is the default exchange) and a key. */
export interface Route {
  exchange: string;
  routingKey: string;
}
