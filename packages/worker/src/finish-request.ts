/**
 * What follows an execution: store the state, send the event, settle the message (late
 * acks), re-publish retries, send link callbacks / errbacks / the next chain step.
 */
import { PyTuple, saferepr } from '@celeriac/protocol';
import { TaskRevokedError, TimeLimitExceeded } from './errors.js';
import { logAckError, type ExecutionOutcome } from './execute-request.js';
import type { RegisteredTask } from './task-registry.js';
import { RequestPhase, type TaskRequest } from './task-request.js';
import { TaskEventType, type WorkerRuntime } from './runtime.js';
import { republishRetry } from './republish.js';
import { tracebackOf } from './result-writer.js';
import { sendCallbacks, sendErrbacks } from './follow-ups.js';
import { WorkerLostError } from './errors.js';
import { chordPartReturned } from './chord-completion.js';
import { sendReplacement } from './replace.js';
import { encodeExceptionInfo, errorToExceptionInfo } from '@celeriac/protocol';

/** Celery's `saferepr` of a value or an exception (`ValueError('boom')`), for events. */
export function safeRepr(value: unknown): string {
  if (value instanceof Error) {
    const args = (value as Error & { excArgs?: unknown[] }).excArgs ?? [value.message];
    const inner = saferepr(new PyTuple(args), 1024);
    return `${value.name}${args.length === 1 ? inner.replace(/,\)$/, ')') : inner}`;
  }
  return saferepr(value, 1024);
}

/**
 * Apply `outcome` of `request`. Never throws; problems are logged.
 *
 * The message is settled (ack, reject, requeue) without waiting for the transport to
 * finish, as Celery's pool frees a process once the task returned and the consumer acks
 * on its own: the executor takes its next request meanwhile. When the delivery stops
 * counting against the prefetch is the transport's affair: Redis frees it once the ack is
 * written to its connection (a requeue once the message is back in its list), RabbitMQ
 * once the broker reads the ack, the memory transport at once. The pool's `whenIdle`
 * (shutdown) waits for every settlement's promise.
 */
export async function finishRequest(
  rt: WorkerRuntime,
  task: RegisteredTask,
  request: TaskRequest,
  outcome: ExecutionOutcome,
): Promise<void> {
  const options = task.options;
  const store = !options.ignoreResult && !request.ignoreResult;
  const events = rt.events.enabled !== false;
  const runtime = request.timeStart === null ? 0 : (rt.clock.now() - request.timeStart) / 1000;
  request.phase = RequestPhase.done;

  switch (outcome.kind) {
    case 'success': {
      if (store) await rt.results.success(request, outcome.value);
      if (request.chord) {
        await chordPartReturned(rt, rt.backend, request, 'SUCCESS', outcome.value ?? null);
      }
      if (events) {
        rt.events.send(TaskEventType.succeeded, {
          uuid: request.id,
          result: safeRepr(outcome.value),
          runtime,
        });
      }
      count(rt, request);
      void settleWith(rt, request, 'ack');
      if (request.callbacks || request.chain?.length) {
        await sendCallbacks(rt, request, outcome.value);
      }
      return;
    }
    case 'failure':
    case 'time-limit': {
      const error =
        outcome.kind === 'failure' ? outcome.error : new TimeLimitExceeded(outcome.seconds);
      const repr = safeRepr(error);
      rt.logger.error(`Task ${request.name}[${request.id}] raised unexpected: ${repr}`, {
        task: request.name,
        id: request.id,
        queue: request.delivery.queue,
      });
      if (store) await rt.results.failure(request, error);
      await chordPartReturned(rt, rt.backend, request, 'FAILURE', encodedError(error));
      if (events) {
        rt.events.send(TaskEventType.failed, {
          uuid: request.id,
          exception: repr,
          traceback: tracebackOf(error),
        });
      }
      count(rt, request);
      void settleWith(
        rt,
        request,
        !options.acksLate || options.acksOnFailureOrTimeout ? 'ack' : 'reject',
      );
      await sendErrbacks(rt, request, error);
      return;
    }
    case 'retry': {
      const { retry } = outcome;
      try {
        await republishRetry(rt, request, retry.when);
      } catch (error) {
        rt.logger.error('Could not re-publish the retry; recording FAILURE', {
          task: request.name,
          id: request.id,
          error: error instanceof Error ? error.message : String(error),
        });
        await finishRequest(rt, task, request, { kind: 'failure', error });
        return;
      }
      const reason = retry.exc !== undefined ? retry.exc : retry;
      if (store) await rt.results.retry(request, reason);
      rt.logger.info(`Task ${request.name}[${request.id}] retry: ${retry.message}`, {
        task: request.name,
        id: request.id,
      });
      if (events) {
        rt.events.send(TaskEventType.retried, {
          uuid: request.id,
          exception: safeRepr(reason),
          traceback: tracebackOf(reason),
        });
      }
      count(rt, request);
      void settleWith(rt, request, 'ack');
      return;
    }
    case 'replaced': {
      // As Celery's `Ignore`: no state for this id; the replacement's final task stores it.
      try {
        await sendReplacement(rt, request, outcome.replace.signature);
      } catch (error) {
        await finishRequest(rt, task, request, { kind: 'failure', error });
        return;
      }
      rt.logger.info(
        `Task ${request.name}[${request.id}] replaced by ${outcome.replace.signature.task}`,
        {
          task: request.name,
          id: request.id,
        },
      );
      count(rt, request);
      void settleWith(rt, request, 'ack');
      return;
    }
    case 'revoked': {
      await recordRevoked(rt, request, outcome.reason, store);
      void settleWith(rt, request, 'ack');
      return;
    }
    case 'rejected': {
      rt.logger.warn(`Task ${request.name}[${request.id}] rejected by its handler`, {
        task: request.name,
        id: request.id,
        queue: request.delivery.queue,
        reason: outcome.reject.message,
        requeue: outcome.reject.requeue,
      });
      rt.events.send(TaskEventType.rejected, {
        uuid: request.id,
        requeue: outcome.reject.requeue,
      });
      void settleWith(rt, request, outcome.reject.requeue ? 'requeue' : 'reject');
      return;
    }
    case 'lost': {
      // Shutting down: a late-acked message goes back to its queue for another worker,
      // as the broker would return it when the connection closes. An executor lost
      // otherwise follows Celery's `reject_on_worker_lost`. Early-acked messages are
      // gone either way, so the backend says so (WorkerLostError).
      const late = options.acksLate && request.ack.state === 'pending';
      if (late && (outcome.shutdown || options.rejectOnWorkerLost)) {
        void settleWith(rt, request, 'requeue');
        return;
      }
      const error = new WorkerLostError(outcome.reason);
      if (store) await rt.results.failure(request, error);
      if (events) {
        rt.events.send(TaskEventType.failed, {
          uuid: request.id,
          exception: safeRepr(error),
          traceback: null,
        });
      }
      void settleWith(rt, request, 'ack');
      return;
    }
  }
}

/**
 * Settle the message of `request`; a failure is logged with what follows (the transport
 * says: Redis acks again later, RabbitMQ redelivers once the channel is gone).
 */
function settleWith(
  rt: WorkerRuntime,
  request: TaskRequest,
  how: 'ack' | 'reject' | 'requeue',
): Promise<void> {
  const p = how === 'ack' ? request.ack.ack() : request.ack.reject(how === 'requeue');
  return p.catch((error: unknown) => logAckError(rt, request, error));
}

/** Store REVOKED and send `task-revoked`. */
export async function recordRevoked(
  rt: WorkerRuntime,
  request: TaskRequest,
  reason: 'revoked' | 'expired' | 'terminated',
  store: boolean,
): Promise<void> {
  rt.logger.info(`Discarding revoked task: ${request.name}[${request.id}] (${reason})`, {
    task: request.name,
    id: request.id,
    queue: request.delivery.queue,
    reason,
  });
  if (store) await rt.results.revoked(request, new TaskRevokedError(reason));
  const revoked = encodedError(new TaskRevokedError(reason));
  await chordPartReturned(rt, rt.backend, request, 'REVOKED', revoked);
  rt.events.send(TaskEventType.revoked, {
    uuid: request.id,
    terminated: reason === 'terminated',
    signum: reason === 'terminated' ? 15 : null,
    expired: reason === 'expired',
  });
}

function count(rt: WorkerRuntime, request: TaskRequest): void {
  rt.stats.processed += 1;
  rt.stats.total.set(request.name, (rt.stats.total.get(request.name) ?? 0) + 1);
}

function encodedError(error: unknown): unknown {
  return encodeExceptionInfo(errorToExceptionInfo(error));
}
