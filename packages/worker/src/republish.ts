/**
 * Re-publishing a task for a retry, as Celery 5.2 does: the same message (same id, body,
 * properties and route) with `retries + 1`, `eta` and `parent_id` set to its own id.
 */
import type { WorkerRuntime } from './runtime.js';
import type { TaskRequest } from './task-request.js';

/** Python's `datetime.isoformat()` of an aware UTC time: `…+00:00`. */
export function awareUtcIso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** Publish the retry of `request`, due at `when` (unix ms). */
export async function republishRetry(
  rt: WorkerRuntime,
  request: TaskRequest,
  when: number,
): Promise<void> {
  const message = request.message;
  const headers: Record<string, unknown> = {
    ...message.headers,
    retries: request.retries + 1,
    eta: awareUtcIso(when),
    parent_id: request.id,
    root_id: request.rootId ?? request.id,
  };
  delete headers.redelivered;
  await rt.transport.publish(
    { ...message, headers },
    { exchange: request.delivery.exchange, routingKey: request.delivery.routingKey },
  );
}
