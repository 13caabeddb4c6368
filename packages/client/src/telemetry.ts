/**
 * The client's OpenTelemetry: one PRODUCER span `send <task name>` per publish, and the
 * W3C trace context of that span injected into the task's headers with the global
 * propagator. The keys (`traceparent`, `tracestate`) become **top-level** task headers,
 * exactly where Python's `opentelemetry-instrumentation-celery` puts them: its
 * `before_task_publish` handler calls `propagate.inject(headers)` on the v2 header dict,
 * and its worker side reads them back with `getattr(task.request, key)` — top-level
 * headers are the request's attributes. So a Python worker continues a TypeScript
 * trace, and `@celeriac/worker` reads the same keys. Only `@opentelemetry/api` is used:
 * without an SDK (and a registered propagator) every call here is a no-op.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';

/** Instrumentation scope name of the client's spans. */
export const TRACER_NAME = '@celeriac/client';

/** Span attribute names (OTel messaging semantic conventions, plus `celery.*`). */
export const SpanAttribute = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  taskName: 'celery.task.name',
  exchange: 'celery.exchange',
  publishRetries: 'celery.publish.retries',
} as const;

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The `messaging.system` value for a transport kind (as the worker names it). */
export function messagingSystem(kind: string): string {
  return kind === 'amqp' ? 'rabbitmq' : kind;
}

/** The default tracer, looked up lazily so a provider registered later is used. */
export function defaultTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** What a producer span describes. */
export interface SendSpanInfo {
  taskName: string;
  taskId: string;
  transportKind: string;
  exchange: string;
  routingKey: string;
  queue: string | undefined;
}

/**
 * Run `fn` inside a `send <task>` PRODUCER span, a child of the active context, with the
 * span active; `fn` gets the trace headers to put on the message. A rejection marks
 * the span failed and is rethrown.
 */
export async function withSendSpan<T>(
  tracer: Tracer,
  info: SendSpanInfo,
  fn: (traceHeaders: Record<string, string>, span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(`send ${info.taskName}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [SpanAttribute.messagingSystem]: messagingSystem(info.transportKind),
      [SpanAttribute.operationType]: 'send',
      [SpanAttribute.operationName]: 'send',
      [SpanAttribute.destination]: info.queue ?? info.routingKey,
      [SpanAttribute.messageId]: info.taskId,
      [SpanAttribute.taskName]: info.taskName,
      [SpanAttribute.exchange]: info.exchange,
      ...(info.transportKind === 'amqp' ? { [SpanAttribute.routingKey]: info.routingKey } : {}),
    },
  });
  const active = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = {};
  propagation.inject(active, headers, headerSetter);
  try {
    return await context.with(active, () => fn(headers, span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}
