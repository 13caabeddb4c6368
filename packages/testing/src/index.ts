/**
 * @celeriac/testing — the conformance suites every celeriac transport, result backend and
 * beat coordination store passes, as vitest `describe` blocks, with the fixtures and helpers they are built on.
 *
 * @example
 * ```ts
 * // packages/memory/test/conformance.test.ts
 * import { resultBackendConformance, transportConformance } from '@celeriac/testing';
 * import {
 *   MemoryBroker,
 *   MemoryResultBackend,
 *   MemoryResultStore,
 *   MemoryTransport,
 * } from '@celeriac/memory';
 *
 * transportConformance('memory transport', () => {
 *   const broker = new MemoryBroker();
 *   return { createTransport: () => new MemoryTransport({ broker }), quietMs: 30 };
 * });
 *
 * resultBackendConformance('memory result backend', () => {
 *   const store = new MemoryResultStore();
 *   return {
 *     createBackend: ({ expiresMs }) => new MemoryResultBackend({ store, expiresMs }),
 *     supportsExpiry: true,
 *   };
 * });
 * ```
 *
 * @packageDocumentation
 */
export { beatCoordinationConformance } from './beat-coordination-conformance.js';
export { BeatCoordinationTestContext } from './beat-coordination-context.js';
export type { BeatCoordinationFixture } from './beat-coordination-fixture.js';
export { collectDeliveries } from './collect-deliveries.js';
export { freePort } from './free-port.js';
export type { CollectOptions, DeliveryCollector } from './collect-deliveries.js';
export { resultBackendConformance } from './result-backend-conformance.js';
export { ResultBackendTestContext } from './result-backend-context.js';
export type { CreateBackendOptions, ResultBackendFixture } from './result-backend-fixture.js';
export { exceptionInfo, resultMeta } from './result-meta-builders.js';
export { deliveryId, testMessage } from './test-message.js';
export { transportConformance } from './transport-conformance.js';
export { TransportTestContext } from './transport-context.js';
export { PriorityOrder } from './transport-fixture.js';
export type { TransportFixture } from './transport-fixture.js';
export { uniqueName } from './unique-name.js';
export { WaitForTimeoutError, sleep, waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
