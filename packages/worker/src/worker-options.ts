/**
 * Options of `createWorker` and their defaults (Celery 5.2's, where Celery has one).
 */
import type {
  AuthSerializer,
  ControlKey,
  MessageSecurityOptions,
  MessageSubscription,
  ResultBackend,
  Transport,
} from '@celeriac/protocol';
import type { QueueDeclaration } from '@celeriac/client';
import type { WorkerClock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import type { TaskImplementation } from './implement-task.js';
import type { BrokerConnectionRetry } from './lifecycle/connection.js';
import { nodeName } from './lifecycle/node-name.js';
import type { Logger } from './logger.js';
import { PoolKind } from './pool/unit.js';
import type { TaskOptions } from './task-options.js';

/** Event options: `true` turns task events on with the defaults below. */
export interface EventOptions {
  /** Send `task-*` events (Celery's `-E`). Default true when events are enabled. */
  taskEvents?: boolean;
  /** Heartbeat interval in ms (Celery's 2 s). */
  heartbeatIntervalMs?: number;
  /** Batch task events as `task.multi` lists (Celery's async hub does). Default true. */
  batch?: boolean;
  /** Exchange name; default `celeryev`. */
  exchange?: string;
}

/**
 * Remote-control options. Commands that change a worker (`shutdown`, `revoke`,
 * `rate_limit`, `pool_grow`, …) run only when signed with `key`; without a key they are
 * refused (one warning line each) unless `allowUnsigned`. Read-only `inspect` commands
 * and `ping` are always answered.
 */
export interface ControlOptions {
  /** The cluster's control key (`CELERIAC_CONTROL_KEY`, `--control-key-file`), ≥ 16 bytes. */
  key?: ControlKey;
  /**
   * Run unsigned changing commands too: Celery's behaviour, for fleets operated with
   * Python's `celery control` (`--allow-unsigned-control`). Default false.
   */
  allowUnsigned?: boolean;
  /** How old (or early) a signature may be; default 30 s. */
  windowMs?: number;
}

/** Options of `createWorker`. */
export interface WorkerOptions {
  /** The broker connection. The worker connects it but does not close it. */
  transport: Transport;
  /** Where results go. */
  backend: ResultBackend;
  /** The task implementations this worker runs (see `implementTask`). */
  tasks: Iterable<TaskImplementation>;
  /**
   * How to declare queues (Celery's `task_queues`: priorities, TTLs, exchange, binding
   * key); queues consumed without a declaration get Celery's defaults. Declare a queue
   * here the way Python peers declare it, or RabbitMQ refuses the worker (406).
   */
  queueDeclarations?: readonly QueueDeclaration[];
  /** Queues to consume; default `['celery']`. */
  queues?: readonly string[];
  /**
   * Where follow-ups (link callbacks, errbacks, chain steps, chord bodies) without a
   * `queue` option go (Celery's `task_default_queue`); default the first of `queues`.
   */
  defaultQueue?: string;
  /**
   * Where tasks run (Celery's `-P`): `async` (default) in the worker's event loop, for
   * I/O-bound tasks; `threads`, one `worker_threads` Worker per executor; `processes`,
   * one child process per executor. Threads and processes import `appModule` themselves
   * and can be stopped mid-task (hard time limit, terminate, cold shutdown); the async
   * pool can only abandon a handler, and a synchronous CPU-bound handler blocks it.
   */
  pool?: PoolKind;
  /** Executors: tasks run at once (Celery's `-c`); default 10. With `autoscale`, its max. */
  concurrency?: number;
  /**
   * Threads and processes: replace a unit after it ran this many tasks (Celery's
   * `--max-tasks-per-child`). Default: never.
   */
  maxTasksPerChild?: number;
  /**
   * Threads and processes: replace a unit whose memory, checked after each task, exceeds
   * this many KiB — a child's RSS, a thread's V8 heap (Celery's `--max-memory-per-child`).
   */
  maxMemoryPerChild?: number;
  /**
   * Grow the pool up to `max` executors while tasks wait, shrink it back to `min` when
   * idle (Celery's `--autoscale MAX,MIN`). The pool starts with `min` executors (at least
   * one); it shrinks only `keepaliveMs` (default 30 s, Celery's `AUTOSCALE_KEEPALIVE`)
   * after it last grew.
   */
  autoscale?: { max: number; min: number; keepaliveMs?: number };
  /**
   * What thread and process units import to find the tasks: a module URL or path,
   * optionally `#exportName`; the export (default `default`, then `app`) is anything with
   * a `tasks` iterable of task implementations, e.g. a celeriac `App`. Required by the
   * threads and processes pools.
   */
  appModule?: string;
  /**
   * Node flags for thread and process units (e.g. a TypeScript loader:
   * `['--import', 'tsx']`). Default: the worker's own `process.execArgv`, plus tsx and the
   * `@celeriac/source` condition when the worker itself runs from its TypeScript sources.
   */
  unitExecArgv?: readonly string[];
  /**
   * Connecting at start-up (Celery's `broker_connection_retry_on_startup`, default true,
   * and `broker_connection_max_retries`, default 100; 0 retries forever): each failed
   * attempt is logged on one line and retried after 2, 4, 6 … 30 s; then the worker fails
   * with a one-line `BrokerConnectionError`.
   */
  brokerConnectionRetry?: BrokerConnectionRetry;
  /** Prefetch = concurrency × this (Celery's 4); 0 disables the limit. */
  prefetchMultiplier?: number;
  /**
   * Node name (Celery's `-n`), `name@host`; `%h` (host name), `%n` (without domain), `%d`
   * (domain), `%i` and `%I` are expanded. Default `celeriac@<host>`.
   */
  hostname?: string;
  /** Time source; inject the actor system's simulated clock in tests. */
  clock?: WorkerClock;
  /** Logger; default console at `info`. */
  logger?: Logger;
  /** Celery events (`celery events`, Flower); off by default. */
  events?: boolean | EventOptions;
  /**
   * Remote control over pidbox (`celery inspect …`, `celery control …`); on by default,
   * with changing commands refused unless signed (see {@link ControlOptions}); `false`
   * turns it off (Celery's `--without-control`).
   */
  control?: boolean | ControlOptions;
  /**
   * The app's event and document subscriptions (`app.on`), answered to `inspect
   * subscriptions`; read at each request, so a list added to later shows the additions.
   * Listing them consumes nothing: `queues` says which subscription queues to consume.
   */
  subscriptions?: Iterable<MessageSubscription>;
  /** Warm shutdown: how long running tasks may take before they are ended. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** App-wide defaults of task options (time limits: Celery's `--time-limit`, …). */
  taskDefaults?: TaskOptions;
  /** Store name, args, kwargs, worker, retries, queue with results. Default false. */
  resultExtended?: boolean;
  /** Content types accepted; default JSON only. */
  accept?: readonly string[];
  /**
   * Signed task messages (Celery's `app.setup_security()`): the trusted certificates
   * (`store`, Celery's `security_cert_store`) verify every task message, and an unsigned,
   * tampered, expired or untrusted one is refused (rejected, one log line naming it and
   * the reason) and never run; with `key` and `cert`, the worker's follow-ups (callbacks,
   * chain steps) are signed too. Settings or an `AuthSerializer` from `@celeriac/protocol`.
   */
  security?: MessageSecurityOptions | AuthSerializer;
  /** Renew held messages' leases this often (ms); default 60 s. */
  leaseRenewIntervalMs?: number;
  /** Close `transport` once the worker has stopped or crashed; default false (the caller owns it). */
  ownTransport?: boolean;
  /** Close `backend` once the worker has stopped or crashed; default false. */
  ownBackend?: boolean;
  /** Revoked ids kept: size and lifetime (Celery: 50,000 and 3 h). */
  revoked?: { maxSize?: number; expiresMs?: number };
}

/** Options with defaults applied. */
export interface ResolvedWorkerOptions {
  queues: readonly string[];
  pool: PoolKind;
  concurrency: number;
  maxTasksPerChild: number | undefined;
  maxMemoryPerChild: number | undefined;
  autoscale: { max: number; min: number; keepaliveMs?: number } | undefined;
  prefetchMultiplier: number;
  hostname: string;
  control: ControlOptions | false;
  events: Required<EventOptions> | null;
  shutdownTimeoutMs: number;
  resultExtended: boolean;
  accept: readonly string[];
  leaseRenewIntervalMs: number;
  brokerConnectionRetry: BrokerConnectionRetry;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(name, `${value} is not a whole number ≥ 0`);
  }
  return value;
}

/** Apply defaults and check the options. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const events = options.events === true ? {} : options.events || null;
  const pool = options.pool ?? PoolKind.async;
  if (!Object.values<string>(PoolKind).includes(pool)) {
    throw new InvalidOptionError(
      'pool',
      `${JSON.stringify(pool)} is not async, threads or processes`,
    );
  }
  const autoscale = options.autoscale;
  if (
    autoscale !== undefined &&
    !(autoscale.max >= Math.max(1, autoscale.min) && autoscale.min >= 0)
  ) {
    throw new InvalidOptionError(
      'autoscale',
      `max ${autoscale.max} and min ${autoscale.min}: need max ≥ min ≥ 0 and max ≥ 1`,
    );
  }
  if (pool !== PoolKind.async && options.appModule === undefined) {
    throw new InvalidOptionError(
      'appModule',
      `the ${pool} pool imports the tasks in each unit: give the module that exports the app`,
    );
  }
  return {
    queues: options.queues ?? ['celery'],
    pool,
    concurrency: autoscale?.max ?? Math.max(1, options.concurrency ?? 10),
    maxTasksPerChild: positive('maxTasksPerChild', options.maxTasksPerChild),
    maxMemoryPerChild: positive('maxMemoryPerChild', options.maxMemoryPerChild),
    autoscale,
    prefetchMultiplier: Math.max(0, options.prefetchMultiplier ?? 4),
    hostname: nodeName(options.hostname),
    control:
      options.control === false ? false : options.control === true ? {} : (options.control ?? {}),
    events: events && {
      taskEvents: events.taskEvents ?? true,
      heartbeatIntervalMs: events.heartbeatIntervalMs ?? 2000,
      batch: events.batch ?? true,
      exchange: events.exchange ?? 'celeryev',
    },
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    resultExtended: options.resultExtended ?? false,
    accept: options.accept ?? ['application/json'],
    leaseRenewIntervalMs: options.leaseRenewIntervalMs ?? 60_000,
    brokerConnectionRetry: options.brokerConnectionRetry ?? {},
  };
}
