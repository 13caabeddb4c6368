/**
 * @celeriac/client — the producer side of celeriac: send tasks that Celery 5.2 workers
 * (TypeScript or Python) execute, with Celery's options and routing, typed from task
 * contracts, and read their results with `AsyncResult`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineTask } from '@celeriac/protocol';
 * import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
 * import { createClient } from '@celeriac/client';
 *
 * const add = defineTask('proj.add', {
 *   args: z.tuple([z.number(), z.number()]),
 *   result: z.number(),
 * });
 *
 * const transport = createMemoryTransport('memory://');
 * const backend = createMemoryResultBackend('memory://');
 * await using client = createClient({
 *   transport,
 *   backend,
 *   routes: { 'proj.email.*': { queue: 'email', priority: 5 } },
 *   ownTransport: true,
 *   ownBackend: true,
 * });
 *
 * const result = await client.task(add).delay(2, 3); // typed: (number, number)
 * console.log(result.id, await result.state()); // <uuid> PENDING
 *
 * // A worker (this one stands in for @celeriac/worker or Python Celery) stores the result:
 * await backend.store({
 *   taskId: result.id,
 *   status: 'SUCCESS',
 *   result: 5,
 *   traceback: null,
 *   children: [],
 *   dateDone: new Date().toISOString().slice(0, -1),
 * });
 * const sum: number = await result.get({ timeoutMs: 10_000 });
 * console.log(sum); // 5
 *
 * // By name, with Celery's options:
 * await client.sendTask('proj.email.send', ['ada@example.com'], {}, { countdown: 60, expires: 3600 });
 * ```
 *
 * @packageDocumentation
 */
export { AsyncResult } from './async-result.js';
export type { AsyncResultHost, GetOptions } from './async-result.js';
export { chain, chainWith, stepsOf } from './canvas/chain.js';
export type { ChainSignature } from './canvas/chain.js';
export type {
  AnySignature,
  CheckedSteps,
  InputFor,
  InputOfSignature,
  LastResult,
  NoInput,
  ResultOfSignature,
  StepMismatch,
} from './canvas/canvas-types.js';
export { chord, headerOf } from './canvas/chord.js';
export type { ChordSignature } from './canvas/chord.js';
export { chunks } from './canvas/chunks.js';
export { freeze, resultOf } from './canvas/freeze.js';
export type { FrozenResult } from './canvas/freeze.js';
export { group } from './canvas/group.js';
export type { GroupSignature, ResultsOf } from './canvas/group.js';
export { GroupResult } from './canvas/group-result.js';
export type { ResultNode } from './canvas/group-result.js';
export { link, linkError } from './canvas/link.js';
export { map, MapTask, starmap } from './canvas/map.js';
export { createClient } from './client.js';
export { ControlCommand, InspectCommand, isChangingCommand } from './control/control-commands.js';
export { ControlState, createControl } from './control/control.js';
export type { Control } from './control/control.js';
export type {
  AddConsumerOptions,
  BroadcastCommandOptions,
  BroadcastOptions,
  CommandOptions,
  ControlLogger,
  ControlOptions,
  ControlSigner,
  InspectOptions,
  PoolRestartOptions,
  RevokeCommandOptions,
  TimeLimitOptions,
} from './control/control-options.js';
export { isErrorReply } from './control/control-replies.js';
export type {
  ActorNode,
  ActorTreeReply,
  ClockReply,
  CommandReply,
  DeliveryInfo,
  ErrorReply,
  ExchangeInfo,
  NodeReplies,
  OkReply,
  PoolStats,
  QueryTaskReply,
  QueueInfo,
  ScheduledTaskInfo,
  SubscriptionInfo,
  TaskRequestInfo,
  WorkerStats,
} from './control/control-replies.js';
export type { Inspect, SafeOption } from './control/inspect.js';
export type { WorkerCommands } from './control/worker-commands.js';
export type { Client, SendSignatureOptions } from './client-api.js';
export { ClientState } from './client-options.js';
export type { ClientOptions, TaskDefaults } from './client-options.js';
export {
  ChordsUnsupportedError,
  ClientErrorCode,
  ControlArgumentError,
  DedupUnsupportedError,
  MessageTooLargeError,
  NoResultBackendError,
  ResultIgnoredError,
} from './errors.js';
export { DEFAULT_MAX_MESSAGE_BYTES, defaultMaxMessageBytes } from './message-size.js';
export type { DedupOptions } from './dedup.js';
export { SubscriptionRegistry } from './publish.js';
export { publishBridge } from './publish-bridge.js';
export type { BridgedPublish } from './publish-bridge.js';
export type { Published, PublishedTask, PublishOptions } from './publish.js';
export type { MessageLimits } from './message-size.js';
export { DEFAULT_RETRY_POLICY, isRetryablePublishError, retryDelayMs } from './publish-retry.js';
export { afterTaskPublish, beforeTaskPublish } from './publish-signals.js';
export type { AfterTaskPublishPayload, BeforeTaskPublishPayload } from './publish-signals.js';
export type { RetryPolicy } from './publish-retry.js';
export { encodeRevokeMessage, PIDBOX_EXCHANGE } from './revoke.js';
export type { RevokeContext, RevokeMessage, RevokeOptions } from './revoke.js';
export { Router } from './routing.js';
export type {
  Destination,
  QueueDeclaration,
  ResolvedQueue,
  RouteSpec,
  RouteTarget,
  RouterFunction,
  Routes,
  RoutingOptions,
} from './routing.js';
export { buildTaskMessage } from './send-options.js';
export type { MessageContext, SendTaskOptions, Signatures } from './send-options.js';
export { Signal } from './signal.js';
export type { SendSignalOptions, SignalHandler, SignalLogger, SignalOptions } from './signal.js';
export { fromSignatureOptions, toSignatureOptions } from './signature-options.js';
export type { TaskSignature } from './signature-options.js';
export { contractSendOptions } from './task-producer.js';
export type { AnyTaskContract, ArgsSuffix, TaskProducer } from './task-producer.js';
export {
  ClientMetric,
  MAX_ATTRIBUTE_VALUES,
  SpanAttribute,
  TRACER_NAME,
  conversationIdOf,
} from './telemetry.js';
export type { ServerAddress, SpanLink } from './telemetry.js';
