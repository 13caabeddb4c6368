/**
 * @celeriac/worker — the consumer side of celeriac: a registry of task implementations
 * run by a tree of actors (connection, a pool of executors each owning its unit — an
 * async slot, a worker thread or a child process —, consumer, timer, events, remote
 * control), speaking Celery 5.2's wire protocol so Python clients, `celery inspect`,
 * `celery control` and `celery events` work with it.
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

export { ChordError } from './canvas/chord-completion.js';
export {
  BrokerConnectionError,
  MaxRetriesExceededError,
  NotRegistered,
  Reject,
  Retry,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
  WorkerError,
  WorkerErrorCode,
  WorkerLostError,
} from './errors.js';
export { implementTask } from './implement-task.js';
export type { ImplementTaskOptions, TaskHandler, TaskImplementation } from './implement-task.js';
export { LogLevel, createConsoleLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { PoolKind } from './pool/unit.js';
export type { RetryOptions, TaskContext } from './task-context.js';
export type { TaskOptions } from './task-options.js';
export { WorkerState, createWorker } from './worker.js';
export type { StopOptions, Worker } from './worker.js';
export type { WorkerOptions } from './worker-options.js';
export { signals } from './worker-signals.js';
