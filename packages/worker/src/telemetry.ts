/**
 * The worker's OpenTelemetry: one CONSUMER span `process <task>` per execution, parented
 * on the W3C trace context (`traceparent`) carried in the message headers, so a trace runs
 * client → worker → the executor actor's transitions. Only `@opentelemetry/api` is used;
 * without an SDK installed every call here is a no-op.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { TaskRequest } from './task-request.js';

/** Instrumentation scope name of the worker's spans. */
export const TRACER_NAME = '@celeriac/worker';

/** Span attribute names (OTel messaging semantic conventions, plus `celery.*`). */
export const SpanAttribute = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  taskName: 'celery.task.name',
  taskRetries: 'celery.task.retries',
  taskOutcome: 'celery.task.outcome',
  worker: 'celery.worker.hostname',
} as const;

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/** The `messaging.system` value for a transport kind. */
function systemOf(kind: string): string {
  return kind === 'amqp' ? 'rabbitmq' : kind;
}

/**
 * Run `fn` inside a CONSUMER span for `request`, with the span active in the context (so
 * the actor transitions and any task sent by the handler nest under it).
 */
export async function withConsumerSpan<T>(
  request: TaskRequest,
  transportKind: string,
  hostname: string,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  const span = trace.getTracer(TRACER_NAME).startSpan(
    `process ${request.name}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [SpanAttribute.messagingSystem]: systemOf(transportKind),
        [SpanAttribute.operationType]: 'process',
        [SpanAttribute.operationName]: 'process',
        [SpanAttribute.destination]: request.delivery.routingKey || request.delivery.queue,
        [SpanAttribute.messageId]: request.id,
        [SpanAttribute.taskName]: request.name,
        [SpanAttribute.taskRetries]: request.retries,
        [SpanAttribute.worker]: hostname,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : describe(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Record how an execution ended on its span; failures mark the span as an error. */
export function recordOutcome(span: Span, outcome: string, error?: unknown): void {
  span.setAttribute(SpanAttribute.taskOutcome, outcome);
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : describe(error);
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
