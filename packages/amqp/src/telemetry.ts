/**
 * The transport's OpenTelemetry, through `@opentelemetry/api` only (no SDK here):
 *
 * - metrics per confirmed publish, named by the messaging semantic conventions:
 *   `messaging.client.sent.messages` (counter) and `messaging.client.operation.duration`
 *   (histogram, seconds, publish until the broker's confirm), with `error.type` `nacked`
 *   or `failed` for publishes that were not confirmed; and
 *   `celeriac.amqp.publish.republished` (a publish sent again after its channel or
 *   connection went away before the confirm: a possible duplicate);
 * - one INTERNAL span `rabbitmq reconnect` per outage, from the lost connection to the
 *   restored one, with an event per failed attempt, and the counter
 *   `celeriac.amqp.connection.reconnections`.
 *
 * Publish spans (PRODUCER, `traceparent` in the headers) belong to the client that sends
 * a task, not to the transport. Without an SDK every call below lands on no-op
 * instruments: the per-publish cost is a provider lookup and an empty call.
 */
import type { Attributes, Counter, Histogram, MeterProvider, Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import type { Route } from '@celeriac/protocol';

/** Instrumentation scope of the transport's spans and metrics. */
export const INSTRUMENTATION_SCOPE = '@celeriac/amqp';

/** Metric names. */
export const AmqpMetric = {
  sentMessages: 'messaging.client.sent.messages',
  operationDuration: 'messaging.client.operation.duration',
  republished: 'celeriac.amqp.publish.republished',
  reconnections: 'celeriac.amqp.connection.reconnections',
} as const;
/** One of the values of {@link AmqpMetric}. */
export type AmqpMetric = (typeof AmqpMetric)[keyof typeof AmqpMetric];

/** How a publish ended. */
export const ConfirmOutcome = {
  confirmed: 'confirmed',
  nacked: 'nacked',
  failed: 'failed',
} as const;
/** One of the values of {@link ConfirmOutcome}. */
export type ConfirmOutcome = (typeof ConfirmOutcome)[keyof typeof ConfirmOutcome];

interface Instruments {
  readonly provider: MeterProvider;
  readonly sent: Counter;
  readonly duration: Histogram;
  readonly republished: Counter;
  readonly reconnections: Counter;
}

let instruments: Instruments | undefined;

/** The instruments of the current global meter provider (an SDK may be registered late). */
function current(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  instruments = {
    provider,
    sent: meter.createCounter(AmqpMetric.sentMessages, {
      description: 'Messages published and confirmed (or refused) by RabbitMQ',
    }),
    duration: meter.createHistogram(AmqpMetric.operationDuration, {
      description: 'From basic.publish to the broker confirm',
      unit: 's',
    }),
    republished: meter.createCounter(AmqpMetric.republished, {
      description: 'Publishes sent again because the confirm was lost with the connection',
    }),
    reconnections: meter.createCounter(AmqpMetric.reconnections, {
      description: 'Connections restored after an outage',
    }),
  };
  return instruments;
}

// Attribute objects are reused per destination and outcome: no allocation per publish.
const attributeCache = new Map<string, Attributes>();

function attributesOf(route: Route, outcome: ConfirmOutcome): Attributes {
  const key = `${outcome}\u0000${route.exchange}\u0000${route.routingKey}`;
  let attributes = attributeCache.get(key);
  if (attributes === undefined) {
    attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'publish',
      'messaging.operation.type': 'send',
      'messaging.destination.name': route.exchange === '' ? route.routingKey : route.exchange,
      'messaging.rabbitmq.destination.routing_key': route.routingKey,
      ...(outcome === ConfirmOutcome.confirmed ? {} : { 'error.type': outcome }),
    };
    if (attributeCache.size >= 1_000) attributeCache.clear();
    attributeCache.set(key, attributes);
  }
  return attributes;
}

/** Record a publish that ended (confirmed, nacked or failed), started at `startedAt` (performance.now()). */
export function recordConfirm(outcome: ConfirmOutcome, route: Route, startedAt: number): void {
  const { sent, duration } = current();
  const attributes = attributesOf(route, outcome);
  sent.add(1, attributes);
  duration.record((performance.now() - startedAt) / 1000, attributes);
}

/** Record a publish sent again after its confirm was lost. */
export function recordRepublish(route: Route): void {
  current().republished.add(1, attributesOf(route, ConfirmOutcome.confirmed));
}

/** The span of one outage, from {@link startReconnectSpan} to its `end`. */
export interface ReconnectSpan {
  /** A reconnection attempt failed. */
  attemptFailed(attempt: number, error: Error): void;
  /** The connection is back (after `attempts` attempts). */
  restored(attempts: number): void;
  /** Gave up: the transport is closing. */
  abandoned(): void;
}

/** Start the span of an outage of the connection to `server` (redacted URL). */
export function startReconnectSpan(server: string, cause: Error): ReconnectSpan {
  const span: Span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan('rabbitmq reconnect', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'messaging.system': 'rabbitmq',
      'server.address': server,
      'celeriac.amqp.lost_reason': cause.message,
    },
  });
  return {
    attemptFailed(attempt, error) {
      span.addEvent('reconnect attempt failed', {
        'celeriac.amqp.attempt': attempt,
        'exception.message': error.message,
      });
    },
    restored(attempts) {
      current().reconnections.add(1, { 'messaging.system': 'rabbitmq' });
      span.setAttribute('celeriac.amqp.attempts', attempts);
      span.end();
    },
    abandoned() {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'closed while reconnecting' });
      span.end();
    },
  };
}
