/**
 * The client's OpenTelemetry, through `@opentelemetry/api` only (without an SDK every
 * call here is a no-op):
 *
 * - one PRODUCER span `send <destination>` per task message, with the messaging semantic
 *   conventions (`messaging.system`, `messaging.operation.type`/`.name` = `send`,
 *   `messaging.destination.name`, `messaging.message.id`,
 *   `messaging.message.conversation_id` = the workflow's root id, `server.address`/`.port`
 *   when known, `error.type` on failure) and the aliases Python's Celery dashboards read
 *   (`celery.action` = `apply_async`, `celery.task_name`);
 * - a group or chord is one unit: a PRODUCER span `send <destination>` around its
 *   members' sends (their parent), with `messaging.batch.message_count`;
 * - the W3C trace context of each message's span injected into its **top-level** headers
 *   (`traceparent`, `tracestate`), where Python's `opentelemetry-instrumentation-celery`
 *   writes and reads them (its `before_task_publish` injects into the v2 header dict; its
 *   worker side reads `task.request.<key>`), so Python and celeriac join one trace;
 * - the metrics `messaging.client.sent.messages` (`{message}`) and
 *   `messaging.client.operation.duration` (`s`, publish until the broker holds it), with
 *   bounded attribute values (at most {@link MAX_ATTRIBUTE_VALUES} destinations and task
 *   names, then `_OTHER`).
 */
import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Link,
  type Meter,
  type Span,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';

/** Instrumentation scope of the client's spans and metrics. */
export const TRACER_NAME = '@celeriac/client';

/** Span and metric attribute names (OTel messaging semantic conventions, plus `celery.*`). */
export const SpanAttribute = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  batchCount: 'messaging.batch.message_count',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  taskName: 'celery.task.name',
  /** What Python's instrumentation names it. */
  celeryTaskName: 'celery.task_name',
  /** `apply_async`, as Python's instrumentation sets on its producer spans. */
  celeryAction: 'celery.action',
  exchange: 'celery.exchange',
  publishRetries: 'celery.publish.retries',
  groupId: 'celery.group_id',
  rootId: 'celery.root_id',
  parentId: 'celery.parent_id',
  /** `group` or `chord` on a unit span. */
  canvas: 'celery.canvas',
} as const;

/** The client's metric names. */
export const ClientMetric = {
  sentMessages: 'messaging.client.sent.messages',
  operationDuration: 'messaging.client.operation.duration',
} as const;

/** Distinct destinations (and task names) in metric attributes before `_OTHER`. */
export const MAX_ATTRIBUTE_VALUES = 100;

/** A link from a send span to another span (`@opentelemetry/api`'s `Link`). */
export type SpanLink = Link;

/** Where the broker is, for `server.address`/`server.port`. */
export interface ServerAddress {
  address: string;
  port?: number;
}

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
  rootId: string;
  groupId: string | undefined;
  parentId: string | undefined;
  server: ServerAddress | undefined;
  /** Links of the span (not parents). */
  links?: readonly SpanLink[] | undefined;
}

function serverAttributes(server: ServerAddress | undefined): Attributes {
  if (server === undefined) return {};
  return {
    [SpanAttribute.serverAddress]: server.address,
    ...(server.port === undefined ? {} : { [SpanAttribute.serverPort]: server.port }),
  };
}

/** Where a message goes, as telemetry names it: the queue, else the routing key. */
export function destinationOf(info: Pick<SendSpanInfo, 'queue' | 'routingKey' | 'exchange'>) {
  return info.queue ?? (info.routingKey || info.exchange);
}

/**
 * Mark `span` failed with `error`: ERROR status, the exception recorded, and `error.type`
 * — the error's class name (`PublishError`, `ConnectionLostError`, …), returned.
 */
function failSpan(span: Span, error: unknown): string {
  const type = error instanceof Error && error.name !== '' ? error.name : '_OTHER';
  span.setAttribute(SpanAttribute.errorType, type);
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  return type;
}

/**
 * The `messaging.message.conversation_id` of a task message: its workflow's root id, or —
 * for a member of a group or chord sent at the top of a workflow, whose root id is its
 * own as Celery 5.2 sends it — the group id, so the members of one group share one
 * conversation. The worker's process spans use the same rule on the same headers.
 */
export function conversationIdOf(
  taskId: string,
  rootId: string | null | undefined,
  groupId: string | null | undefined,
): string {
  const root = rootId ?? taskId;
  return root === taskId && groupId ? groupId : root;
}

/**
 * Run `fn` inside a `send <destination>` PRODUCER span, a child of the active context,
 * with the span active; `fn` gets the trace headers to put on the message. Records the
 * metrics; a rejection marks the span failed and is rethrown.
 */
export async function withSendSpan<T>(
  tracer: Tracer,
  meter: () => Meter,
  info: SendSpanInfo,
  fn: (traceHeaders: Record<string, string>, span: Span) => Promise<T>,
): Promise<T> {
  const destination = destinationOf(info);
  const system = messagingSystem(info.transportKind);
  const span = tracer.startSpan(`send ${destination}`, {
    kind: SpanKind.PRODUCER,
    ...(info.links === undefined ? {} : { links: [...info.links] }),
    attributes: {
      [SpanAttribute.messagingSystem]: system,
      [SpanAttribute.operationType]: 'send',
      [SpanAttribute.operationName]: 'send',
      [SpanAttribute.destination]: destination,
      [SpanAttribute.messageId]: info.taskId,
      [SpanAttribute.conversationId]: conversationIdOf(info.taskId, info.rootId, info.groupId),
      ...serverAttributes(info.server),
      [SpanAttribute.celeryAction]: 'apply_async',
      [SpanAttribute.celeryTaskName]: info.taskName,
      [SpanAttribute.taskName]: info.taskName,
      [SpanAttribute.exchange]: info.exchange,
      [SpanAttribute.rootId]: info.rootId,
      ...(info.groupId === undefined ? {} : { [SpanAttribute.groupId]: info.groupId }),
      ...(info.parentId === undefined ? {} : { [SpanAttribute.parentId]: info.parentId }),
      ...(info.transportKind === 'amqp' ? { [SpanAttribute.routingKey]: info.routingKey } : {}),
    },
  });
  const active = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = {};
  propagation.inject(active, headers, headerSetter);
  const started = performance.now();
  let failure: string | undefined;
  try {
    return await context.with(active, () => fn(headers, span));
  } catch (error) {
    failure = failSpan(span, error);
    throw error;
  } finally {
    span.end();
    const seconds = (performance.now() - started) / 1000;
    recordSend(meter(), system, destination, info, failure, seconds);
  }
}

/** A group or chord being sent as one unit. */
export interface UnitSpanInfo {
  canvas: 'group' | 'chord';
  groupId: string;
  transportKind: string;
  server: ServerAddress | undefined;
}

/** What a unit's members report: where each message went. */
export interface UnitRecorder {
  sent(destination: string): void;
}

/**
 * Run `fn` inside one PRODUCER span for a whole group or chord, active so that every
 * member's `send` span is its child. Named `send <destination>` when every message went
 * to one destination, else `send`; `messaging.batch.message_count` counts them.
 */
export async function withUnitSpan<T>(
  tracer: Tracer,
  info: UnitSpanInfo,
  fn: (recorder: UnitRecorder) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan('send', {
    kind: SpanKind.PRODUCER,
    attributes: {
      [SpanAttribute.messagingSystem]: messagingSystem(info.transportKind),
      [SpanAttribute.operationType]: 'send',
      [SpanAttribute.operationName]: 'send',
      [SpanAttribute.conversationId]: info.groupId,
      [SpanAttribute.groupId]: info.groupId,
      [SpanAttribute.canvas]: info.canvas,
      [SpanAttribute.celeryAction]: 'apply_async',
      ...serverAttributes(info.server),
    },
  });
  const destinations = new Set<string>();
  let count = 0;
  const recorder: UnitRecorder = {
    sent: (destination) => {
      destinations.add(destination);
      count += 1;
    },
  };
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(recorder));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.setAttribute(SpanAttribute.batchCount, count);
    const [only] = destinations;
    if (destinations.size === 1 && only !== undefined) {
      span.updateName(`send ${only}`);
      span.setAttribute(SpanAttribute.destination, only);
    }
    span.end();
  }
}

interface Instruments {
  readonly meter: Meter;
  readonly sent: Counter;
  readonly duration: Histogram;
}

let instruments: Instruments | undefined;
const seenValues = { destination: new Set<string>(), task: new Set<string>() };
const attributeCache = new Map<string, Attributes>();

/** `value` while fewer than {@link MAX_ATTRIBUTE_VALUES} distinct ones were seen, else `_OTHER`. */
function bounded(kind: keyof typeof seenValues, value: string): string {
  const seen = seenValues[kind];
  if (seen.has(value)) return value;
  if (seen.size >= MAX_ATTRIBUTE_VALUES) return '_OTHER';
  seen.add(value);
  return value;
}

/** The default meter, looked up lazily so a provider registered later is used. */
export function defaultMeter(): Meter {
  return metrics.getMeterProvider().getMeter(TRACER_NAME);
}

function instrumentsOf(meter: Meter): Instruments {
  if (instruments?.meter === meter) return instruments;
  instruments = {
    meter,
    sent: meter.createCounter(ClientMetric.sentMessages, {
      description: 'Task messages the client attempted to send (failures carry error.type)',
      unit: '{message}',
    }),
    duration: meter.createHistogram(ClientMetric.operationDuration, {
      description: 'From publishing a task message until the broker holds it (retries included)',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
        ],
      },
    }),
  };
  return instruments;
}

function recordSend(
  meter: Meter,
  system: string,
  destination: string,
  info: SendSpanInfo,
  failure: string | undefined,
  seconds: number,
): void {
  const dest = bounded('destination', destination);
  const task = bounded('task', info.taskName);
  const server = info.server;
  const key = [system, dest, task, failure, server?.address, server?.port].join('\u0000');
  let attributes = attributeCache.get(key);
  if (attributes === undefined) {
    attributes = {
      [SpanAttribute.messagingSystem]: system,
      [SpanAttribute.operationName]: 'send',
      [SpanAttribute.operationType]: 'send',
      [SpanAttribute.destination]: dest,
      [SpanAttribute.celeryTaskName]: task,
      ...serverAttributes(server),
      ...(failure === undefined ? {} : { [SpanAttribute.errorType]: failure }),
    };
    if (attributeCache.size >= 1_000) attributeCache.clear();
    attributeCache.set(key, attributes);
  }
  const { sent, duration } = instrumentsOf(meter);
  sent.add(1, attributes);
  duration.record(seconds, attributes);
}
