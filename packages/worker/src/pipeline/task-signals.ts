/**
 * Sends the task signals of one execution (`worker-signals.ts`): `taskPrerun` before the
 * pool runs it; after it finished, the signal of its outcome, then `taskPostrun`. Nothing
 * is built when no handler is connected.
 */
import type { Logger } from '../logger.js';
import type { ExecutionOutcome } from '../pool/outcome.js';
import { TimeLimitExceeded, WorkerLostError } from '../errors.js';
import { signals, type TaskSignalPayload } from '../worker-signals.js';
import type { TaskRequest } from './request.js';

function payloadOf(request: TaskRequest, hostname: string): TaskSignalPayload {
  return {
    taskName: request.name,
    taskId: request.id,
    args: request.args,
    kwargs: request.kwargs,
    hostname,
  };
}

/**
 * `taskPrerun`, to await before the pool gets the task; undefined when no handler is
 * connected, so that the common case costs no extra turn of the event loop.
 */
export function sendPrerun(
  request: TaskRequest,
  hostname: string,
  logger: Logger,
): Promise<number> | undefined {
  if (signals.taskPrerun.receivers === 0) return undefined;
  return signals.taskPrerun.send(payloadOf(request, hostname), { logger });
}

/** Whether any signal sent after a task ran has a handler (else skip the sends). */
export function outcomeSignalsConnected(): boolean {
  return (
    signals.taskPostrun.receivers +
      signals.taskSuccess.receivers +
      signals.taskFailure.receivers +
      signals.taskRetry.receivers +
      signals.taskRevoked.receivers >
    0
  );
}

/** The outcome's signal, then `taskPostrun` (not for a task that never ran). */
export async function sendOutcome(
  request: TaskRequest,
  outcome: ExecutionOutcome,
  hostname: string,
  logger: Logger,
): Promise<void> {
  const base = payloadOf(request, hostname);
  let state: string;
  let retval: unknown;
  switch (outcome.kind) {
    case 'success':
      state = 'SUCCESS';
      retval = outcome.value;
      if (signals.taskSuccess.receivers) {
        await signals.taskSuccess.send({ ...base, result: outcome.value }, { logger });
      }
      break;
    case 'failure':
    case 'time-limit':
    case 'lost': {
      state = 'FAILURE';
      retval =
        outcome.kind === 'failure'
          ? outcome.error
          : outcome.kind === 'time-limit'
            ? new TimeLimitExceeded(outcome.seconds)
            : new WorkerLostError(outcome.reason);
      if (signals.taskFailure.receivers) {
        await signals.taskFailure.send({ ...base, exception: retval }, { logger });
      }
      break;
    }
    case 'retry':
      state = 'RETRY';
      retval = outcome.retry.exc ?? outcome.retry;
      if (signals.taskRetry.receivers) {
        await signals.taskRetry.send({ ...base, reason: retval }, { logger });
      }
      break;
    case 'revoked':
      state = 'REVOKED';
      await sendRevoked(request, hostname, logger, outcome.reason);
      break;
    case 'rejected':
      state = 'REJECTED';
      break;
    case 'replaced':
      state = 'IGNORED';
      break;
  }
  if (signals.taskPostrun.receivers) {
    await signals.taskPostrun.send({ ...base, state, retval }, { logger });
  }
}

/** `taskRevoked` for a task revoked, expired or terminated, whether it ran or not. */
export async function sendRevoked(
  request: TaskRequest,
  hostname: string,
  logger: Logger,
  reason: 'revoked' | 'expired' | 'terminated',
): Promise<void> {
  if (signals.taskRevoked.receivers === 0) return;
  await signals.taskRevoked.send(
    {
      ...payloadOf(request, hostname),
      terminated: reason === 'terminated',
      expired: reason === 'expired',
    },
    { logger },
  );
}
