/**
 * Options of `createWorker` and their defaults (Celery 5.2's, where Celery has one).
 */
import { hostname as osHostname } from 'node:os';
import type { ResultBackend, Transport } from '@celeriac/protocol';
import type { QueueDeclaration } from '@celeriac/client';
import type { PoolKind } from './pool-kind.js';
import type { WorkerClock } from './clock.js';
import type { TaskImplementation } from './implement-task.js';
import type { Logger } from './logger.js';
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
  /** Executors (concurrent tasks); default 10. */
  concurrency?: number;
  /** Prefetch = concurrency × this (Celery's 4); 0 disables the limit. */
  prefetchMultiplier?: number;
  /** Node name; default `celeriac@<host>`. */
  hostname?: string;
  /** Pool kind; only `async` is implemented. */
  pool?: PoolKind;
  /** Time source; inject the actor system's simulated clock in tests. */
  clock?: WorkerClock;
  /** Logger; default console at `info`. */
  logger?: Logger;
  /** Celery events (`celery events`, Flower); off by default. */
  events?: boolean | EventOptions;
  /** Remote control over pidbox (`celery inspect …`); on by default. */
  control?: boolean;
  /** Warm shutdown: how long running tasks may take before they are cut short. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** App-wide defaults of task options. */
  taskDefaults?: TaskOptions;
  /** Store name, args, kwargs, worker, retries, queue with results. Default false. */
  resultExtended?: boolean;
  /** Content types accepted; default JSON only. */
  accept?: readonly string[];
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
  concurrency: number;
  prefetchMultiplier: number;
  hostname: string;
  pool: PoolKind;
  control: boolean;
  events: Required<EventOptions> | null;
  shutdownTimeoutMs: number;
  resultExtended: boolean;
  accept: readonly string[];
  leaseRenewIntervalMs: number;
}

/** Apply defaults. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const events = options.events === true ? {} : options.events || null;
  return {
    queues: options.queues ?? ['celery'],
    concurrency: Math.max(1, options.concurrency ?? 10),
    prefetchMultiplier: Math.max(0, options.prefetchMultiplier ?? 4),
    hostname: options.hostname ?? `celeriac@${osHostname()}`,
    pool: options.pool ?? 'async',
    control: options.control ?? true,
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
  };
}
