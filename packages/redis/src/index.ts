/**
 * @celeriac/redis — a kombu-compatible Redis transport and a Celery-compatible Redis
 * result backend: celeriac and Python Celery 5.2 share queues, acks, fanout and results.
 *
 * @example
 * ```ts
 * import { createRedisTransport } from '@celeriac/redis';
 *
 * await using transport = createRedisTransport('redis://127.0.0.1:6379/0');
 * await transport.connect();
 * const encoder = new TextEncoder();
 * await transport.publish(
 *   {
 *     body: encoder.encode('[[2, 3], {}, {}]'),
 *     contentType: 'application/json',
 *     contentEncoding: 'utf-8',
 *     headers: { task: 'proj.add', id: 'b8a1c9e2-0000-4000-8000-000000000001' },
 *     properties: { correlationId: 'b8a1c9e2-0000-4000-8000-000000000001', deliveryMode: 2 },
 *   },
 *   { exchange: '', routingKey: 'celery' },
 * );
 * console.log(await transport.queueLength('celery'));
 * ```
 *
 * @packageDocumentation
 */
export { decodeEnvelope, encodeEnvelope, markRedelivered } from './envelope.js';
export type { DecodedEnvelope } from './envelope.js';
export { KOMBU_DEFAULTS, KombuKeys } from './kombu-keys.js';
export type { BindingMember, KombuKeysOptions } from './kombu-keys.js';
export { pythonJsonStringify } from './python-json.js';
export { DeliveryState, RedisDelivery } from './redis-delivery.js';
export { RedisConnectionError } from './errors.js';
export { RedisBeatCoordination, createRedisBeatCoordination } from './redis-beat-coordination.js';
export type { RedisBeatCoordinationOptions } from './redis-beat-coordination.js';
export { RedisResultBackend, createRedisResultBackend } from './redis-result-backend.js';
export type { RedisResultBackendOptions } from './redis-result-backend.js';
export { RedisTransport, createRedisTransport } from './redis-transport.js';
export { maskRedisUrl, parseRedisUrl } from './redis-url.js';
export type { RedisConnectionSettings } from './redis-url.js';
export { INSTRUMENTATION_SCOPE, RedisMetric, RestoreReason } from './telemetry.js';
export { topicPattern } from './topic-pattern.js';
export { CELERY_FANOUT_EXCHANGES } from './transport-options.js';
export type { MalformedMessage, RedisTransportOptions } from './transport-options.js';
export { UNDELIVERABLE_QUEUE } from './unacked-restorer.js';
