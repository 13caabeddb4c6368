/**
 * @celeriac/memory — an in-process broker and result store: celeriac's embedded default
 * for development and tests, and the reference implementation of the `Transport`,
 * `ResultBackend` and `BeatCoordination` contracts of `@celeriac/protocol`.
 *
 * @example
 * ```ts
 * import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
 *
 * const producer = createMemoryTransport('memory://');
 * const consumer = createMemoryTransport('memory://'); // same process-wide broker
 * await producer.declareQueue({ name: 'celery' });
 * await consumer.consume(
 *   ['celery'],
 *   (delivery) => {
 *     console.log(new TextDecoder().decode(delivery.message.body)); // {"hello":"world"}
 *     void delivery.ack();
 *   },
 *   { prefetch: 10 },
 * );
 * await producer.publish(
 *   {
 *     body: new TextEncoder().encode('{"hello":"world"}'),
 *     contentType: 'application/json',
 *     contentEncoding: 'utf-8',
 *     headers: {},
 *     properties: {},
 *   },
 *   { exchange: '', routingKey: 'celery' },
 * );
 *
 * const results = createMemoryResultBackend('memory://');
 * const waiting = results.wait('task-1', { timeoutMs: 1000 });
 * await results.store({
 *   taskId: 'task-1',
 *   status: 'SUCCESS',
 *   result: 42,
 *   traceback: null,
 *   children: [],
 *   dateDone: new Date().toISOString().slice(0, -1),
 * });
 * console.log((await waiting).result); // 42
 * await producer.close();
 * await consumer.close();
 * await results.close();
 * ```
 *
 * @packageDocumentation
 */
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export {
  MemoryBeatCoordination,
  createMemoryBeatCoordination,
} from './memory-beat-coordination.js';
export type { MemoryBeatCoordinationOptions } from './memory-beat-coordination.js';
export { MemoryBeatStore } from './memory-beat-store.js';
export type { MemoryBeatStoreOptions } from './memory-beat-store.js';
export { MemoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker.js';
export {
  memoryBeatStore,
  memoryBroker,
  memoryResultStore,
  memoryUrlName,
  resetMemoryRegistry,
} from './memory-registry.js';
export { MemoryChordStore } from './memory-chord-store.js';
export { MemoryResultBackend, createMemoryResultBackend } from './memory-result-backend.js';
export type { MemoryResultBackendOptions } from './memory-result-backend.js';
export { MemoryResultStore } from './memory-result-store.js';
export type { MemoryResultStoreOptions } from './memory-result-store.js';
export { MemoryTransport, createMemoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
// Topic matching moved to @celeriac/protocol (one definition); kept here for importers.
export { compileTopic, topicMatches } from '@celeriac/protocol';
export type { TopicMatcher } from '@celeriac/protocol';
