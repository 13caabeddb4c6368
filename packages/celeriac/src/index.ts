/**
 * celeriac — Celery's model and wire protocol for TypeScript. `createApp` ties a broker
 * and a result backend (by URL) to typed task contracts, their implementations, a
 * client and workers; the `celeriac` command runs workers and sends tasks.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { createApp, defineTask } from 'celeriac';
 *
 * const add = defineTask('proj.add', {
 *   args: z.tuple([z.number(), z.number()]),
 *   result: z.number(),
 * });
 *
 * await using app = createApp({ broker: 'memory://' }); // or redis://…, amqp://…
 * const addTask = app.task(add, (_ctx, a, b) => a + b);
 * const worker = await app.worker({ concurrency: 4 });
 * await worker.start();
 * const result = await addTask.delay(2, 3);
 * console.log(await result.get({ timeoutMs: 5_000 })); // 5
 * await worker.stop();
 * ```
 *
 * @packageDocumentation
 */
export { createApp, isApp } from './app.js';
export type { App, AppBeatOptions, AppOptions, AppTask, AppWorkerOptions } from './app.js';
export type { AppEvents, AppOnOptions, SubscriberTask, SubscriptionHandler } from './app-events.js';
export {
  CONTROL_KEY_ENV,
  controlKeyFromEnv,
  controlSigner,
  readControlKeyFile,
} from './control-key.js';
export { DEFAULT_BEAT_NAMESPACE, createBeatCoordination } from './beat-coordination.js';
export type { BeatCoordinationOptions } from './beat-coordination.js';
export { at, cron, crontab, every } from '@celeriac/beat';
export type { Beat, BeatEntry, BeatSchedule } from '@celeriac/beat';
export type { AppControl } from './app-control.js';
export {
  AppErrorCode,
  AppImportError,
  AppLoadError,
  ConnectError,
  UnsupportedUrlError,
  UsageError,
} from './errors.js';
export type { ConnectRole } from './errors.js';
export { maskUrl } from './mask-url.js';
export {
  BrokerScheme,
  brokerScheme,
  createResultBackend,
  createTransport,
  defaultBackendUrl,
} from './urls.js';
export type { ConnectionOptions } from './urls.js';
export { main as runCli } from './cli/main.js';
export {
  defineDocument,
  defineEvent,
  defineSubscription,
  defineTask,
  RemoteTaskError,
  TaskState,
} from '@celeriac/protocol';
export type {
  ArgsOf,
  DocumentContract,
  EventContract,
  KwargsOf,
  MessageSubscription,
  ResultOf,
  TaskContract,
} from '@celeriac/protocol';
export type { AsyncResult, Client, SendTaskOptions } from '@celeriac/client';
export {
  chain,
  chord,
  chunks,
  group,
  GroupResult,
  link,
  linkError,
  map,
  starmap,
} from '@celeriac/client';
export { ChordError } from '@celeriac/worker';
export type { TaskContext, Worker, WorkerOptions } from '@celeriac/worker';
