/**
 * Messages the worker will not run, each logged with task name, id, queue and reason and
 * rejected without requeue (dropped, or dead-lettered where the queue says so): an
 * undecodable or disallowed message, a task this worker does not have (FAILURE
 * `NotRegistered` stored, as Celery does), a message nesting deeper than the worker can
 * follow up (FAILURE stored, so the caller learns it was never run).
 */
import { TaskEventType, type TaskEventSink } from '../control/events.js';
import { NotRegistered } from '../errors.js';
import type { Logger } from '../logger.js';
import { Settlement, type SettleAs } from './acknowledgement.js';
import type { Refusal } from './decode.js';
import { safeRepr } from './repr.js';
import type { TaskRequest } from './request.js';
import type { ResultWriter } from './result-writer.js';

/** What refusing needs from the worker. */
export interface RefuseDeps {
  readonly results: ResultWriter;
  readonly events: TaskEventSink;
  readonly logger: Logger;
}

/** A message that could not be decoded, or was refused as decoded (too deep). */
export async function refuseMessage(
  deps: RefuseDeps,
  refusal: Refusal,
  queue: string,
  contentType: string,
): Promise<SettleAs> {
  deps.logger.error(`Rejecting message: ${refusal.reason}`, {
    task: refusal.name,
    id: refusal.id,
    queue,
    contentType,
    path: refusal.path,
    reason: refusal.reason,
  });
  const request = refusal.request;
  if (request !== undefined && !request.ignoreResult) {
    await deps.results.failure(request, refusal.error);
  }
  deps.events.send(TaskEventType.rejected, { uuid: refusal.id ?? null, requeue: false });
  return Settlement.rejected;
}

/** A task name this worker does not have: FAILURE `NotRegistered`, rejected. */
export async function refuseUnknown(deps: RefuseDeps, request: TaskRequest): Promise<SettleAs> {
  const error = new NotRegistered(request.name);
  deps.logger.error(
    `Received unregistered task of type ${JSON.stringify(request.name)}. The message has been ` +
      'ignored and discarded: did you register the task on this worker?',
    {
      task: request.name,
      id: request.id,
      queue: request.delivery.queue,
      reason: 'not registered',
    },
  );
  if (!request.ignoreResult) await deps.results.failure(request, error);
  deps.events.send(TaskEventType.failed, {
    uuid: request.id,
    exception: safeRepr(error),
    traceback: null,
  });
  return Settlement.rejected;
}
