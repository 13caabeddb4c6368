/**
 * @celeriac/amqp — the RabbitMQ transport (amqplib) and the `rpc://` result backend,
 * wire-compatible with Celery 5.2: the topology, queue arguments and message properties
 * Python Celery uses, publisher confirms, and consumers that come back by themselves
 * after a dropped connection or a broker restart.
 *
 * @example
 * ```ts
 * import { celeryTaskQueue, createAmqpTransport, declareQueueDeclaration } from '@celeriac/amqp';
 *
 * await using transport = createAmqpTransport('amqp://guest:guest@127.0.0.1:5672//');
 * await transport.connect();
 * await declareQueueDeclaration(transport, celeryTaskQueue('celery'));
 *
 * const subscription = await transport.consume(
 *   ['celery'],
 *   (delivery) => {
 *     console.log(delivery.message.headers.task, delivery.message.properties.correlationId);
 *     void delivery.ack();
 *   },
 *   { prefetch: 8 },
 * );
 * await transport.publish(
 *   {
 *     body: new TextEncoder().encode('[[2, 3], {}, {}]'),
 *     contentType: 'application/json',
 *     contentEncoding: 'utf-8',
 *     headers: { lang: 'py', task: 'interop.add', id: 'task-1', retries: 0, timelimit: [null, null] },
 *     properties: { correlationId: 'task-1', deliveryMode: 2, priority: 0 },
 *   },
 *   { exchange: '', routingKey: 'celery' },
 * );
 * await subscription.cancel();
 * ```
 *
 * @packageDocumentation
 */
export { AmqpDelivery } from './amqp-delivery.js';
export { AmqpSubscription, SubscriptionState } from './amqp-subscription.js';
export { AmqpTransport, createAmqpTransport } from './amqp-transport.js';
export { parseAmqpUrl, redactUrl } from './amqp-url.js';
export type { AmqpUrl } from './amqp-url.js';
export { parseBrokerUrl } from './broker-url.js';
export type { BrokerUrl } from './broker-url.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export {
  celeryEventQueue,
  celeryPidboxQueue,
  celeryReplyQueue,
  celeryTaskQueue,
  declareQueueDeclaration,
  rpcResultQueue,
} from './celery-topology.js';
export type { QueueDeclaration, TaskQueueOptions } from './celery-topology.js';
export {
  AmqpConnectError,
  AmqpUrlError,
  RpcBackendError,
  RpcBackendErrorReason,
} from './errors.js';
export type { HostFailure } from './errors.js';
export { FailoverStrategy } from './failover.js';
export { decodeHeaderTable, encodeHeaderTable } from './header-table.js';
export { consoleLogger, formatLogLine } from './logger.js';
export type { AmqpLogger } from './logger.js';
export { fromAmqpMessage, toPublishOptions } from './message-properties.js';
export { assertQueueOptions, queueArguments, withDefaultQueueType } from './queue-arguments.js';
export { RpcResultBackend, createRpcResultBackend } from './rpc-result-backend.js';
export type { RpcResultBackendOptions } from './rpc-result-backend.js';
export { decodeRpcResult, encodeRpcResult } from './rpc-result-message.js';
export { AmqpMetric, ConfirmOutcome, INSTRUMENTATION_SCOPE } from './telemetry.js';
export { QosMode } from './transport-options.js';
export type { AmqpTransportOptions } from './transport-options.js';
export { AmqpBeatCoordination, createAmqpBeatCoordination } from './amqp-beat-coordination.js';
export { beatCoordinationQueues } from './beat-queues.js';
export type { AmqpBeatCoordinationOptions } from './beat-queues.js';
