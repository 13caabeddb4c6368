/**
 * The worker's signals, Celery's set (`celery.signals`), typed and async-aware: the
 * worker awaits the handlers, in the order they were connected; a handler that throws is
 * logged through the worker's logger and never fails, delays past its own end, or loses
 * the task. Built on `@celeriac/client`'s `Signal` (its `beforeTaskPublish` and
 * `afterTaskPublish` are the publishing half, sent for the worker's follow-ups too).
 *
 * They are sent in the worker's own process, whatever the pool: `taskPrerun` when the
 * worker hands the task to its pool (it starts as soon as a unit is free), the outcome
 * signal once the result is stored, then `taskPostrun`. A handler that needs the unit's
 * process itself (a per-process connection) belongs in the app module the unit imports.
 */
import { Signal } from '@celeriac/client';

/** What every task signal carries. */
export interface TaskSignalPayload {
  /** The task name (Celery's `sender`). */
  readonly taskName: string;
  readonly taskId: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The node that runs it. */
  readonly hostname: string;
}

/** `taskPostrun`: also the state the task ended in (`SUCCESS`, `FAILURE`, `RETRY`, …). */
export interface TaskPostrunPayload extends TaskSignalPayload {
  readonly state: string;
  /** The return value (SUCCESS) or the error (FAILURE, RETRY); undefined otherwise. */
  readonly retval: unknown;
}

/** The worker's signals. */
export const signals = {
  /** Before the task runs (Celery's `task_prerun`). */
  taskPrerun: new Signal<TaskSignalPayload>('task_prerun'),
  /** After it ran and its outcome was recorded (`task_postrun`). */
  taskPostrun: new Signal<TaskPostrunPayload>('task_postrun'),
  /** It returned; `result` is its value (`task_success`). */
  taskSuccess: new Signal<TaskSignalPayload & { readonly result: unknown }>('task_success'),
  /** It failed: raised, hard time limit, or its unit was lost (`task_failure`). */
  taskFailure: new Signal<TaskSignalPayload & { readonly exception: unknown }>('task_failure'),
  /** It asked to be retried (`task_retry`). */
  taskRetry: new Signal<TaskSignalPayload & { readonly reason: unknown }>('task_retry'),
  /** It was revoked, terminated or expired, run or not (`task_revoked`). */
  taskRevoked: new Signal<
    TaskSignalPayload & { readonly terminated: boolean; readonly expired: boolean }
  >('task_revoked'),
  /** The worker connected and consumes (`worker_ready`). */
  workerReady: new Signal<{ readonly hostname: string }>('worker_ready'),
  /** The worker stopped; sent before `finished` resolves (`worker_shutdown`). */
  workerShutdown: new Signal<{ readonly hostname: string; readonly state: string }>(
    'worker_shutdown',
  ),
} as const;
