/**
 * @celeriac/monitor — watch a Celery 5.2-compatible fleet, celeriac and Python workers
 * alike: an event receiver on the `celeryev` exchange and an in-memory cluster state
 * (workers with heartbeats and online/offline, tasks with their state history, celeriac
 * actor trees, queue lengths), with subscriptions and counters for live views. What the
 * CLI's `events`, the metrics and the dashboard read.
 *
 * @example
 * ```ts
 * import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
 * import { createClient } from '@celeriac/client';
 * import { createMonitor } from '@celeriac/monitor';
 * import { createWorker, implementTask } from '@celeriac/worker';
 *
 * const transport = createMemoryTransport('memory://');
 * const backend = createMemoryResultBackend('memory://');
 * await using monitor = createMonitor({ transport });
 * monitor.state.subscribe((changes) => {
 *   for (const change of changes) {
 *     if (change.kind === 'worker') console.log(change.worker.hostname, change.change);
 *     if (change.kind === 'task') console.log(change.task.name, change.task.state);
 *   }
 * });
 * await monitor.start();
 *
 * const worker = createWorker({
 *   transport,
 *   backend,
 *   hostname: 'demo@localhost',
 *   events: true, // Celery's -E
 *   tasks: [implementTask('demo.add', (_ctx, a: number, b: number) => a + b)],
 * });
 * await worker.start();
 * await using client = createClient({ transport, backend });
 * const result = await client.sendTask('demo.add', [2, 3]);
 * console.log(await result.get({ timeoutMs: 5000 })); // 5
 *
 * const task = monitor.state.task(result.id); // SUCCESS, with its history and runtime
 * console.log(task?.state, task?.history.map((t) => t.state), task?.runtime);
 * console.log(monitor.state.workers().map((w) => [w.hostname, w.online])); // [['demo@localhost', true]]
 * console.log(monitor.state.counters.runtimeStats('demo.add')); // { count: 1, p50: …, … }
 * await worker.stop(); // worker-offline: online false
 * ```
 *
 * @packageDocumentation
 */
export { ACTOR_TRANSITION } from './actor-tree.js';
export type { ActorTransition } from './actor-tree.js';
export { ClusterState } from './cluster-state.js';
export type { ClusterStateOptions } from './cluster-state.js';
export { WorkerChange } from './state-change.js';
export type { StateChange, WatchedQueue } from './state-change.js';
export { CountedEvent, Counters } from './counters.js';
export type { CountersOptions, EventCounts, RuntimeStats, SecondCounts } from './counters.js';
export { InvalidStateError, MonitorErrorCode } from './errors.js';
export { createEventReceiver, ReceiverState } from './event-receiver.js';
export type { EventReceiver, EventReceiverOptions, ReceivedEvent } from './event-receiver.js';
export { createMonitor, MonitorState } from './monitor.js';
export type { Monitor, MonitorOptions } from './monitor.js';
export type { MonitorLogger } from './monitor-logger.js';
export type { TaskFilter } from './task-query.js';
export { TASK_HISTORY_LIMIT } from './task-record.js';
export type { TaskInfo, TaskTransition } from './task-record.js';
export { HEARTBEAT_EXPIRE_WINDOW, isAlive, WorkerKind } from './worker-record.js';
export type { WorkerInfo } from './worker-record.js';
