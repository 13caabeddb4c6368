/**
 * One send, start to finish: route the task, open the `send` span, encode the message
 * (trace context in its headers), tell the result backend to expect the id, then
 * declare and publish with retries. Failures come out as `PublishError` or
 * `ConnectionLostError` naming the task and id.
 */
import { encodeTaskMessage, uuid4 } from '@celeriac/protocol';
import type { AuthSerializer, ResultBackend, Transport } from '@celeriac/protocol';
import type { Meter, Tracer } from '@opentelemetry/api';
import type { TaskDefaults } from './client-options.js';
import { publishWithRetry, sendError, type RetryPolicy } from './publish-retry.js';
import type { Router } from './routing.js';
import { buildTaskMessage, type SendTaskOptions } from './send-options.js';
import { checkMessageSize, compressIfLarge, type MessageLimits } from './message-size.js';
import { afterTaskPublish, beforeTaskPublish } from './publish-signals.js';
import type { SignalLogger } from './signal.js';
import { destinationOf, SpanAttribute, withSendSpan, type ServerAddress } from './telemetry.js';
import type { Topology } from './topology.js';

/** What a send needs from its client. */
export interface SendContext {
  transport: Transport;
  backend: ResultBackend | undefined;
  router: Router;
  topology: Topology;
  /** Connects the transport (memoized by the client). */
  connect(): Promise<void>;
  tracer: Tracer;
  /** The meter of the send metrics (looked up per send: an SDK may register later). */
  meter: () => Meter;
  /** The broker's address for `server.address`/`server.port`, when known. */
  server: ServerAddress | undefined;
  now(): Date;
  origin: string;
  oid: string;
  defaults: TaskDefaults;
  retry: boolean;
  policy: Required<RetryPolicy>;
  /** Compression threshold and size limit. */
  limits: MessageLimits;
  /** Where failed signal handlers are logged. */
  logger: SignalLogger | undefined;
  /** Signs every body with Celery's `auth` serializer (the client's `security`). */
  auth: AuthSerializer | undefined;
}

/** One task to send. */
export interface TaskToSend {
  name: string;
  args: readonly unknown[];
  kwargs: Record<string, unknown>;
  options: SendTaskOptions;
  /** Tell the backend to expect the result (default true); canvases skip members. */
  expect?: boolean;
}

/** What was sent: the id, whether a result will be stored, where it went. */
export interface SentTask {
  id: string;
  ignored: boolean;
  /** The queue (else routing key) it was published to, as telemetry names it. */
  destination: string;
}

/** Send one task; resolves once the broker holds it. */
export async function sendTask(ctx: SendContext, task: TaskToSend): Promise<SentTask> {
  const { name, args, kwargs } = task;
  const { priority: defaultPriority, ...defaults } = ctx.defaults;
  const options: SendTaskOptions = { ...defaults, ...task.options };
  const id = options.taskId ?? uuid4();
  const destination = ctx.router.resolve(name, args, kwargs, options);
  const { route } = destination;
  const ignored = options.ignoreResult ?? false;
  const info = {
    taskName: name,
    taskId: id,
    transportKind: ctx.transport.kind,
    exchange: route.exchange,
    routingKey: route.routingKey,
    queue: destination.queueName,
    rootId: options.rootId ?? id,
    groupId: options.groupId,
    parentId: options.parentId,
    server: ctx.server,
    links: options.links,
  };
  const queue = destination.queueName;
  const signalOptions = ctx.logger ? { logger: ctx.logger } : {};
  const sent = await withSendSpan(ctx.tracer, ctx.meter, info, async (traceHeaders, span) => {
    const now = ctx.now();
    const init = buildTaskMessage(options, {
      name,
      id,
      args,
      kwargs,
      origin: ctx.origin,
      replyTo: options.replyTo ?? ctx.backend?.replyTo ?? ctx.oid,
      priority: destination.priority ?? defaultPriority,
      traceHeaders,
      now,
    });
    if (beforeTaskPublish.receivers > 0) {
      const payload = { taskName: name, taskId: id, message: init, route, queue };
      await beforeTaskPublish.send(payload, signalOptions);
    }
    const message = encodeTaskMessage(init, {
      now,
      ...(ctx.auth === undefined ? {} : { auth: ctx.auth }),
      ...(options.compression === undefined ? {} : { compression: options.compression }),
    });
    const sized = compressIfLarge(message, ctx.limits, options.compression);
    // Before publishing, as Celery's on_task_call subscribes: a fast worker's result
    // notification must not arrive before anyone listens.
    checkMessageSize(sized, ctx.limits, name, id);
    if (ctx.backend && !ignored && task.expect !== false) {
      await ctx.backend.connect();
      await ctx.backend.expect(id);
    }
    let retries = 0;
    try {
      await publishWithRetry(
        async () => {
          await ctx.connect();
          if (destination.declare) await ctx.topology.declareQueue(destination.declare);
          if (destination.exchange) await ctx.topology.declareExchange(destination.exchange);
          const signal = options.signal;
          await ctx.transport.publish(sized, route, signal ? { signal } : {});
        },
        {
          retry: options.retry ?? ctx.retry,
          policy: { ...ctx.policy, ...options.retryPolicy },
          signal: options.signal,
          onRetry: () => {
            retries++;
            span.setAttribute(SpanAttribute.publishRetries, retries);
          },
        },
      );
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      throw sendError(error, name, id);
    }
    return sized;
  });
  if (afterTaskPublish.receivers > 0) {
    const payload = { taskName: name, taskId: id, message: sent, route, queue };
    await afterTaskPublish.send(payload, signalOptions);
  }
  return { id, ignored, destination: destinationOf(info) };
}
