/**
 * What follows an execution, run by the intake once the executor returned the outcome:
 * store the state, send the event, report a chord part, re-publish a retry, send link
 * callbacks / errbacks / the next chain step or the replacement, log the task's line —
 * and return the settlement the message gets. Nothing here settles the message: the
 * intake applies what this returns. Never throws; problems are logged.
 */
import { encodeExceptionInfo, errorToExceptionInfo, type Transport } from '@celeriac/protocol';
import { chordPartReturned } from '../canvas/chord-completion.js';
import { sendCallbacks, sendErrbacks } from '../canvas/follow-ups.js';
import { sendReplacement } from '../canvas/replace.js';
import { republishRetry } from '../canvas/republish.js';
import type { CanvasDeps } from '../canvas/send-signature.js';
import type { WorkerClock } from '../clock.js';
import { TaskEventType, type TaskEventSink } from '../control/events.js';
import { TaskRevokedError, TimeLimitExceeded, WorkerLostError } from '../errors.js';
import type { ExecutionOutcome } from '../pool/outcome.js';
import { Settlement, type SettleAs } from './acknowledgement.js';
import { safeRepr } from './repr.js';
import type { TaskRequest } from './request.js';
import { tracebackOf } from './result-writer.js';
import type { WorkerStats } from './stats.js';
import type { RegisteredTask } from './task-registry.js';

/** What finishing needs from the worker. */
export interface FinishDeps extends CanvasDeps {
  readonly hostname: string;
  readonly clock: WorkerClock;
  /** Retries are re-published on it. */
  readonly transport: Transport;
  readonly events: TaskEventSink;
  readonly stats: WorkerStats;
  /** Whether info lines are printed (per-task lines are only built then). */
  readonly logInfo: boolean;
}

/**
 * The settlement of a success that needs nothing sent or stored (no result, chord,
 * event, info line or callback): counted now, without the promise and the turn of
 * {@link finish}; undefined when `finish` has work to do.
 */
export function finishedQuietly(
  deps: FinishDeps,
  request: TaskRequest,
  task: RegisteredTask,
  outcome: ExecutionOutcome,
): SettleAs | undefined {
  if (
    outcome.kind !== 'success' ||
    !(task.options.ignoreResult || request.ignoreResult) ||
    request.chord ||
    request.callbacks ||
    request.chain?.length ||
    deps.events.enabled ||
    deps.logInfo
  ) {
    return undefined;
  }
  deps.stats.count(request.name);
  return Settlement.acked;
}

/** Apply `outcome` of `request`; resolves with how its message is to be settled. */
export async function finish(
  deps: FinishDeps,
  request: TaskRequest,
  task: RegisteredTask,
  outcome: ExecutionOutcome,
): Promise<SettleAs> {
  const options = task.options;
  const store = !options.ignoreResult && !request.ignoreResult;
  const events = deps.events.enabled;
  switch (outcome.kind) {
    case 'success': {
      const value = outcome.value;
      if (store) await deps.results.success(request, value);
      if (request.chord) await chordPartReturned(deps, request, 'SUCCESS', value ?? null);
      if (events || deps.logInfo) {
        const runtime = runtimeOf(deps, request);
        const repr = safeRepr(value);
        if (events) {
          deps.events.send(TaskEventType.succeeded, { uuid: request.id, result: repr, runtime });
        }
        if (deps.logInfo) {
          deps.logger.info(`Task ${request.name}[${request.id}] succeeded in ${runtime}s: ${repr}`);
        }
      }
      deps.stats.count(request.name);
      if (request.callbacks || request.chain?.length) await sendCallbacks(deps, request, value);
      return Settlement.acked;
    }
    case 'failure':
    case 'time-limit': {
      const error =
        outcome.kind === 'failure' ? outcome.error : new TimeLimitExceeded(outcome.seconds);
      if (outcome.kind === 'time-limit') {
        deps.logger.error(
          `Hard time limit (${outcome.seconds}s) exceeded for ${request.name}[${request.id}]`,
          fields(request),
        );
      }
      await failed(deps, request, store, error, 'raised unexpected');
      const late = options.acksLate && !options.acksOnFailureOrTimeout;
      return late ? Settlement.rejected : Settlement.acked;
    }
    case 'retry': {
      const { retry } = outcome;
      try {
        await republishRetry(deps.transport, deps.hostname, request, retry.when);
      } catch (error) {
        deps.logger.error('Could not re-publish the retry; recording FAILURE', {
          ...fields(request),
          error: error instanceof Error ? error.message : String(error),
        });
        return finish(deps, request, task, { kind: 'failure', error });
      }
      const reason = retry.exc !== undefined ? retry.exc : retry;
      if (store) await deps.results.retry(request, reason);
      deps.logger.info(`Task ${request.name}[${request.id}] retry: ${retry.message}`, {
        task: request.name,
        id: request.id,
      });
      if (events) {
        deps.events.send(TaskEventType.retried, {
          uuid: request.id,
          exception: safeRepr(reason),
          traceback: tracebackOf(reason),
        });
      }
      deps.stats.count(request.name);
      return Settlement.acked;
    }
    case 'replaced': {
      // As Celery's `Ignore`: no state for this id; the replacement's final task stores it.
      try {
        await sendReplacement(deps.send, request, outcome.replace.signature);
      } catch (error) {
        return finish(deps, request, task, { kind: 'failure', error });
      }
      deps.logger.info(
        `Task ${request.name}[${request.id}] replaced by ${outcome.replace.signature.task}`,
        { task: request.name, id: request.id },
      );
      deps.stats.count(request.name);
      return Settlement.acked;
    }
    case 'revoked':
      return discard(deps, request, task, outcome.reason, outcome.signal);
    case 'rejected': {
      deps.logger.warn(`Task ${request.name}[${request.id}] rejected by its handler`, {
        ...fields(request),
        reason: outcome.reject.message,
        requeue: outcome.reject.requeue,
      });
      deps.events.send(TaskEventType.rejected, {
        uuid: request.id,
        requeue: outcome.reject.requeue,
      });
      return outcome.reject.requeue ? Settlement.requeued : Settlement.rejected;
    }
    case 'lost': {
      // Shutting down: a late-acked message goes back to its queue for another worker,
      // as the broker would return it when the connection closes. A unit lost otherwise
      // follows Celery's `reject_on_worker_lost`. Early-acked messages are gone either
      // way, so the backend says so (WorkerLostError).
      const late = options.acksLate && request.ack.state === Settlement.pending;
      if (late && (outcome.shutdown || options.rejectOnWorkerLost)) {
        deps.logger.warn(
          `Task ${request.name}[${request.id}] goes back to its queue: ${outcome.reason}`,
          fields(request),
        );
        return Settlement.requeued;
      }
      await failed(deps, request, store, new WorkerLostError(outcome.reason), 'raised');
      return Settlement.acked;
    }
  }
}

/** Record a failure: log, store FAILURE, chord part, event, count, errbacks. */
async function failed(
  deps: FinishDeps,
  request: TaskRequest,
  store: boolean,
  error: unknown,
  description: string,
): Promise<void> {
  const repr = safeRepr(error);
  deps.logger.error(`Task ${request.name}[${request.id}] ${description}: ${repr}`, fields(request));
  if (store) await deps.results.failure(request, error);
  await chordPartReturned(deps, request, 'FAILURE', encodedError(error));
  if (deps.events.enabled) {
    deps.events.send(TaskEventType.failed, {
      uuid: request.id,
      exception: repr,
      traceback: tracebackOf(error),
    });
  }
  deps.stats.count(request.name);
  if (request.errbacks || request.chain?.length) await sendErrbacks(deps, request, error);
}

/**
 * A request that will not run (revoked, expired) or was terminated: store REVOKED, report
 * the chord part, send `task-revoked`; the message is acked.
 */
export async function discard(
  deps: FinishDeps,
  request: TaskRequest,
  task: RegisteredTask,
  reason: 'revoked' | 'expired' | 'terminated',
  signal?: string,
): Promise<SettleAs> {
  const store = !request.ignoreResult && !task.options.ignoreResult;
  const how = reason === 'terminated' ? `terminated (${signal ?? 'SIGTERM'})` : reason;
  deps.logger.info(`Discarding revoked task: ${request.name}[${request.id}] (${how})`, {
    ...fields(request),
    reason,
  });
  if (store) await deps.results.revoked(request, new TaskRevokedError(reason));
  const revoked = encodedError(new TaskRevokedError(reason));
  await chordPartReturned(deps, request, 'REVOKED', revoked);
  deps.events.send(TaskEventType.revoked, {
    uuid: request.id,
    terminated: reason === 'terminated',
    signum: reason === 'terminated' ? signalNumber(signal) : null,
    expired: reason === 'expired',
  });
  return Settlement.acked;
}

function fields(request: TaskRequest): { task: string; id: string; queue: string } {
  return { task: request.name, id: request.id, queue: request.delivery.queue };
}

function runtimeOf(deps: FinishDeps, request: TaskRequest): number {
  return request.timeStart === null ? 0 : (deps.clock.now() - request.timeStart) / 1000;
}

function encodedError(error: unknown): unknown {
  return encodeExceptionInfo(errorToExceptionInfo(error));
}

const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

function signalNumber(signal: string | undefined): number {
  return SIGNALS[signal ?? 'SIGTERM'] ?? 15;
}
