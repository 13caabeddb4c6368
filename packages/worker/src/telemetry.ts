/**
 * The worker's OpenTelemetry: one CONSUMER span `process <task>` per execution, parented
 * on the W3C trace context (`traceparent`) carried in the message headers, so a trace runs
 * client → worker → the executor actor's transitions. Only `@opentelemetry/api` is used;
 * without an SDK installed every call here is a no-op.
 */
import {
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
  type TracerDelegator,
  type TracerProvider,
} from '@opentelemetry/api';
import { conversationIdOf } from '@celeriac/client';
import type { TaskRequest } from './pipeline/request.js';

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
export function systemOf(kind: string): string {
  return kind === 'amqp' ? 'rabbitmq' : kind;
}

/** The CONSUMER span of one execution and the context its handler runs in. */
export interface ConsumerSpan {
  readonly span: Span;
  /** The message's trace context with the span in it (the extracted one when none records). */
  readonly context: Context;
}

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/** The worker's tracer, looked up again only when the global provider is replaced. */
function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (provider !== cachedProvider || cachedTracer === undefined) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(TRACER_NAME);
  }
  return cachedTracer;
}

/** The span of every execution while no tracing SDK is registered. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The global proxy provider of `@opentelemetry/api` 1.x, as far as it is used here. */
type ProxyProvider = TracerProvider &
  Partial<TracerDelegator> & { getDelegate?: () => TracerProvider };

let offDelegate: TracerProvider | undefined;
let off = true;

/**
 * Whether no tracing SDK is registered (the global provider has no delegate). Asked once
 * per delegate: asking the proxy means asking the SDK for a tracer.
 */
function tracingOff(): boolean {
  const provider = trace.getTracerProvider() as ProxyProvider;
  if (provider.getDelegateTracer === undefined) return false;
  // The proxy's delegate, or the api's no-op provider while none is registered.
  const delegate = provider.getDelegate?.();
  if (delegate === undefined) return provider.getDelegateTracer(TRACER_NAME) === undefined;
  if (delegate !== offDelegate) {
    offDelegate = delegate;
    off = provider.getDelegateTracer(TRACER_NAME) === undefined;
  }
  return off;
}

/**
 * Start the CONSUMER span of `request`, parented on the W3C trace context carried in its
 * headers. Run the handler inside `context` (so the actor transitions and any task sent
 * by the handler nest under it) and end it with {@link endConsumerSpan}.
 */
export function startConsumerSpan(
  request: TaskRequest,
  transportKind: string,
  hostname: string,
): ConsumerSpan {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  // No SDK: the span would be a no-op one, and the message's own trace context (when a
  // propagator read one) is all the handler's context needs. Nothing built per task.
  if (tracingOff()) return { span: NOOP_SPAN, context: parent };
  // The conventions' creation context: a link to the span that sent the message, beside
  // being its child (so a trace viewer shows the hop, and a batch consumer could link many).
  const creation = trace.getSpanContext(parent);
  const span = tracer().startSpan(
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
        [SpanAttribute.conversationId]: conversationIdOf(
          request.id,
          request.rootId,
          request.groupId,
        ),
      },
      links: creation && isSpanContextValid(creation) ? [{ context: creation }] : [],
    },
    parent,
  );
  // Nothing records and no trace came with the message: the span carries nothing worth
  // putting in the context (this is every task of a worker without an OTel SDK).
  const spanContext = span.spanContext();
  const carries =
    span.isRecording() || (spanContext !== INVALID_SPAN_CONTEXT && isSpanContextValid(spanContext));
  return { span, context: carries ? trace.setSpan(parent, span) : parent };
}

/** End a CONSUMER span; an `error` (the execution failed outside the task) marks it. */
export function endConsumerSpan(span: Span, error?: unknown): void {
  if (error !== undefined && span.isRecording()) {
    span.recordException(error instanceof Error ? error : describe(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Record how an execution ended on its span; failures mark the span as an error. */
export function recordOutcome(span: Span, outcome: string, error?: unknown): void {
  if (!span.isRecording()) return;
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
