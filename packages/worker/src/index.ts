/**
 * @celeriac/worker — the consumer side of celeriac: a registry of task implementations
 * run by a tree of actors (connection, pool of executors, consumer, ETA timer, events,
 * remote control), speaking Celery 5.2's wire protocol so Python clients, `celery
 * inspect` and `celery events` work with it.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineTask } from '@celeriac/protocol';
 * import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
 * import { createWorker, implementTask } from '@celeriac/worker';
 *
 * const add = defineTask({
 *   name: 'proj.add',
 *   args: z.tuple([z.number(), z.number()]),
 *   result: z.number(),
 * });
 *
 * const worker = createWorker({
 *   transport: createMemoryTransport('memory://'),
 *   backend: createMemoryResultBackend('memory://'),
 *   tasks: [
 *     implementTask(add, async (ctx, a, b) => {
 *       ctx.log.info(`adding ${a} and ${b}`);
 *       return a + b;
 *     }),
 *   ],
 *   concurrency: 10,
 * });
 * await worker.start();
 * worker.installSignalHandlers(); // SIGTERM: warm shutdown, second SIGINT: cold
 * // … later
 * await worker.stop({ mode: 'warm' });
 * ```
 *
 * @packageDocumentation
 */
export { Acknowledgement, Settlement } from './acknowledgement.js';
export { ActorPool } from './actor-pool.js';
export type { ActorPoolOptions } from './actor-pool.js';
export { sleep, systemClock } from './clock.js';
export type { WorkerClock } from './clock.js';
export { NO_REPLY, CONTROL_COMMANDS } from './control-commands.js';
export type { ControlCommand, ControlScope } from './control-commands.js';
export { ChordError } from './chord-completion.js';
export { ConsumerState, TaskConsumer } from './consumer.js';
export type { TaskConsumerOptions } from './consumer.js';
export {
  CeleryException,
  DuplicateTaskError,
  NotRegistered,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
  InvalidOptionError,
  MaxRetriesExceededError,
  PoolNotSupportedError,
  Reject,
  Replace,
  Retry,
  WorkerError,
  WorkerErrorCode,
  WorkerLostError,
  WorkerStateError,
} from './errors.js';
export { EventDispatcher, SOFTWARE } from './event-dispatcher.js';
export type { EventDispatcherOptions } from './event-dispatcher.js';
export type { ExecutionOutcome, ExecutionResult } from './execute-request.js';
export { defineExecutor, executorTaskKey } from './executor-actor.js';
export type { ExecutionInput } from './executor-actor.js';
export { implementTask } from './implement-task.js';
export type { ImplementTaskOptions, TaskHandler, TaskImplementation } from './implement-task.js';
export { LimitedSet } from './limited-set.js';
export type { LimitedSetOptions } from './limited-set.js';
export { LogLevel, createConsoleLogger, createRecordingLogger, silentLogger } from './logger.js';
export type { ConsoleLoggerOptions, LogFields, Logger, RecordingLogger } from './logger.js';
export { TokenBucket, parseRateLimit } from './rate-limit.js';
export { PoolKind, assertPoolSupported } from './pool-kind.js';
export { RemoteControl } from './remote-control.js';
export { backoffCountdownMs } from './retry-policy.js';
export type { BackoffOptions } from './retry-policy.js';
export { TaskEventType } from './runtime.js';
export type { TaskEventSink, WorkerRuntime } from './runtime.js';
export { ShutdownMode } from './shutdown.js';
export { createTaskContext } from './task-context.js';
export type { DeliveryInfo, RetryOptions, TaskContext, TaskContextInit } from './task-context.js';
export {
  DEFAULT_TASK_OPTIONS,
  effectiveTimeLimits,
  matchesError,
  resolveTaskOptions,
} from './task-options.js';
export type { ErrorMatcher, ResolvedTaskOptions, TaskOptions, TimeLimits } from './task-options.js';
export { TaskRegistry } from './task-registry.js';
export type { RegisteredTask } from './task-registry.js';
export { RequestPhase, requestInfo } from './task-request.js';
export type { RequestInfo, TaskRequest } from './task-request.js';
export { SpanAttribute, TRACER_NAME } from './telemetry.js';
export { WorkerState, createWorker } from './worker.js';
export type { StopOptions, Worker } from './worker.js';
export type { WorkerTree } from './worker-tree.js';
export type { EventOptions, WorkerOptions } from './worker-options.js';
