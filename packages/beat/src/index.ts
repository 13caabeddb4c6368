/**
 * @celeriac/beat — periodic tasks, as Celery's beat schedules them (seconds, `crontab()`,
 * cron strings, one-off dates, in a timezone), run by any number of replicas of which
 * exactly one sends: leadership is a lease with a fencing epoch in the broker already in
 * use, and every run is recorded there before it is sent. What beat sends are plain
 * Celery task messages: Python and TypeScript workers run them.
 *
 * @example
 * ```ts
 * import { createBeat, crontab } from '@celeriac/beat';
 * import { createClient } from '@celeriac/client';
 * import { createMemoryBeatCoordination, createMemoryTransport } from '@celeriac/memory';
 *
 * const transport = createMemoryTransport('memory://');
 * await transport.declareQueue({ name: 'celery' });
 * await transport.consume(
 *   ['celery'],
 *   (delivery) => {
 *     const h = delivery.message.headers;
 *     console.log(h['task'], h['periodic_task_name'], h['periodic_task_scheduled_at']);
 *     void delivery.ack();
 *   },
 *   { prefetch: 10 },
 * );
 * const client = createClient({ transport, ownTransport: true });
 *
 * await using beat = createBeat({
 *   client,
 *   coordination: createMemoryBeatCoordination('memory://'),
 *   timezone: 'Europe/Paris',
 *   schedule: {
 *     'heartbeat-every-second': { task: 'shop.heartbeat', schedule: 1 },
 *     'report-at-7-30': {
 *       task: 'shop.report',
 *       schedule: crontab({ hour: 7, minute: 30 }),
 *       kwargs: { format: 'pdf' },
 *       options: { expires: 3600 },
 *     },
 *   },
 *   leaseMs: 3_000,
 * });
 * await beat.start();
 * // Entries can change at run time; every replica sees the stored ones.
 * await beat.add('flush-every-2s', { task: 'shop.flush', schedule: 2 });
 * await new Promise((resolve) => setTimeout(resolve, 3_500));
 * // shop.heartbeat heartbeat-every-second 2026-…T…+00:00  (about three times)
 * // shop.flush flush-every-2s 2026-…T…+00:00
 * console.log(beat.role); // leader
 * await client.close();
 * ```
 *
 * @packageDocumentation
 */
export { createBeat } from './beat.js';
export type { Beat, BeatEntryInfo } from './beat.js';
export type { BeatResources, BeatTask } from './beat-actor.js';
export { BeatRole } from './beat-core.js';
export { DEFAULT_LEASE_MS } from './beat-options.js';
export type { BeatOptions } from './beat-options.js';
export { CatchUp, EntrySource } from './entry.js';
export type { BeatEntry, BeatSchedule, BeatSendOptions } from './entry.js';
export {
  BeatConfigError,
  BeatEntryError,
  BeatErrorCode,
  BeatSendError,
  BeatStateError,
} from './errors.js';
export { consoleLogger } from './logger.js';
export type { LogFields, Logger } from './logger.js';
export {
  ENTRY_HEADER,
  SCHEDULED_AT_HEADER,
  parseScheduledAt,
  runTaskId,
  scheduledAtHeader,
} from './run-message.js';
export { ScheduleKind, at, cron, crontab, every } from './schedule.js';
export type {
  CronSchedule,
  CrontabField,
  CrontabFields,
  CrontabSchedule,
  IntervalSchedule,
  OnceSchedule,
  Schedule,
  ScheduleInput,
} from './schedule.js';
export { BeatAttribute, TRACER_NAME } from './telemetry.js';
export { DEFAULT_TIMEZONE } from './time-zone.js';
