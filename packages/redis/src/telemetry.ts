/**
 * The Redis transport's OpenTelemetry, through `@opentelemetry/api` only (no SDK here),
 * named by the messaging semantic conventions with `messaging.system = redis`:
 *
 * - `messaging.client.sent.messages` (counter) and `messaging.client.operation.duration`
 *   (histogram, seconds, until Redis replied) per publish, `error.type` on failures; and
 *   a `redis publish` event on the active span when one is recording (the client's
 *   PRODUCER span: publish spans belong to the client that sends a task);
 * - `messaging.client.consumed.messages` per message taken;
 * - `celeriac.redis.restored.messages` per message put back in a queue, with
 *   `celeriac.redis.restore.reason` (`visibility_timeout`, `shutdown`, `requeue`), and an
 *   INTERNAL span `redis restore` for each visibility scan that found expired messages;
 * - `celeriac.redis.malformed.messages` per message dropped as undecodable;
 * - one INTERNAL span `redis reconnect` per outage of the command connection.
 *
 * Without an SDK every call lands on no-op instruments and no span is recording: the cost
 * per message is a provider comparison, a cached attribute lookup and an empty call.
 */
import type { Attributes, Counter, Histogram, MeterProvider, Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';

/** Instrumentation scope of the transport's spans and metrics. */
export const INSTRUMENTATION_SCOPE = '@celeriac/redis';

/** Metric names. */
export const RedisMetric = {
  sentMessages: 'messaging.client.sent.messages',
  operationDuration: 'messaging.client.operation.duration',
  consumedMessages: 'messaging.client.consumed.messages',
  restoredMessages: 'celeriac.redis.restored.messages',
  malformedMessages: 'celeriac.redis.malformed.messages',
} as const;
/** One of the values of {@link RedisMetric}. */
export type RedisMetric = (typeof RedisMetric)[keyof typeof RedisMetric];

/** Why a held message went back to its queue. */
export const RestoreReason = {
  /** Held longer than the visibility timeout by a consumer presumed dead. */
  visibilityTimeout: 'visibility_timeout',
  /** Unsettled when its transport closed (warm shutdown). */
  shutdown: 'shutdown',
  /** Rejected with requeue. */
  requeue: 'requeue',
} as const;
/** One of the values of {@link RestoreReason}. */
export type RestoreReason = (typeof RestoreReason)[keyof typeof RestoreReason];

interface Instruments {
  readonly provider: MeterProvider;
  readonly sent: Counter;
  readonly duration: Histogram;
  readonly consumed: Counter;
  readonly restored: Counter;
  readonly malformed: Counter;
}

let instruments: Instruments | undefined;

/** The instruments of the current global meter provider (an SDK may be registered late). */
function current(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  instruments = {
    provider,
    sent: meter.createCounter(RedisMetric.sentMessages, {
      description: 'Messages published to Redis lists or fanout channels',
    }),
    duration: meter.createHistogram(RedisMetric.operationDuration, {
      description: 'From a publish call until Redis replied',
      unit: 's',
    }),
    consumed: meter.createCounter(RedisMetric.consumedMessages, {
      description: 'Messages taken from Redis queues',
    }),
    restored: meter.createCounter(RedisMetric.restoredMessages, {
      description: 'Held messages put back in their queues',
    }),
    malformed: meter.createCounter(RedisMetric.malformedMessages, {
      description: 'Messages dropped because they could not be decoded',
    }),
  };
  return instruments;
}

// Attribute objects are reused per operation, destination and outcome: no allocation
// per message.
const attributeCache = new Map<string, Attributes>();

function attributes(operation: string, destination: string, extra?: string): Attributes {
  const key = `${operation}\u0000${destination}\u0000${extra ?? ''}`;
  let cached = attributeCache.get(key);
  if (cached === undefined) {
    cached = {
      'messaging.system': 'redis',
      'messaging.operation.name': operation,
      'messaging.destination.name': destination,
    };
    if (operation === 'publish') cached['messaging.operation.type'] = 'send';
    if (operation === 'receive') cached['messaging.operation.type'] = 'receive';
    if (operation === 'publish' && extra) cached['error.type'] = extra;
    if (operation === 'restore') cached['celeriac.redis.restore.reason'] = extra ?? '';
    if (attributeCache.size >= 1_000) attributeCache.clear();
    attributeCache.set(key, cached);
  }
  return cached;
}

/**
 * Record a publish to `destination` (a queue, or an exchange) that ended, begun at
 * `startedAt` (`performance.now()`); `copies` messages were stored; `error` when Redis
 * did not take it.
 */
export function recordPublish(
  destination: string,
  startedAt: number,
  copies: number,
  error?: Error,
): void {
  const { sent, duration } = current();
  const attrs = attributes('publish', destination, error ? 'failed' : undefined);
  if (copies > 0) sent.add(copies, attrs);
  duration.record((performance.now() - startedAt) / 1000, attrs);
  const span = trace.getActiveSpan();
  if (span?.isRecording()) {
    span.addEvent('redis publish', {
      'messaging.system': 'redis',
      'messaging.destination.name': destination,
      'celeriac.redis.copies': copies,
      ...(error ? { 'exception.message': error.message } : {}),
    });
  }
}

/** Record `count` messages taken from `queue`. */
export function recordConsumed(queue: string, count = 1): void {
  current().consumed.add(count, attributes('receive', queue));
}

/** Record a held message put back into `queue`. */
export function recordRestored(queue: string, reason: RestoreReason): void {
  current().restored.add(1, attributes('restore', queue, reason));
}

/** Record a message from `queue` dropped as undecodable. */
export function recordMalformed(queue: string): void {
  current().malformed.add(1, attributes('receive', queue));
}

/** The span of one visibility scan that found expired messages. */
export function startRestoreSpan(visibilityTimeout: number, found: number): Span {
  return trace.getTracer(INSTRUMENTATION_SCOPE).startSpan('redis restore', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'messaging.system': 'redis',
      'celeriac.redis.visibility_timeout': visibilityTimeout,
      'celeriac.redis.expired': found,
    },
  });
}

/** The span of one outage, from {@link startReconnectSpan} to `restored` or `abandoned`. */
export interface ReconnectSpan {
  /** The connection is back. */
  restored(): void;
  /** Gave up: the transport is closing. */
  abandoned(): void;
}

/** Start the span of an outage of the connection to `server` (`host:port`). */
export function startReconnectSpan(server: string): ReconnectSpan {
  const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan('redis reconnect', {
    kind: SpanKind.INTERNAL,
    attributes: { 'messaging.system': 'redis', 'server.address': server },
  });
  return {
    restored() {
      span.end();
    },
    abandoned() {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'closed while reconnecting' });
      span.end();
    },
  };
}
