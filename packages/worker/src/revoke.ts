/**
 * Revoking on one worker: remember the ids (so later deliveries are discarded), discard
 * matching requests not started yet, and with `terminate` cut running ones short (their
 * AbortSignal fires with `TaskRevokedError('terminated')`).
 */
import type { ActorPool } from './actor-pool.js';
import type { Dispatcher } from './dispatcher.js';
import type { WorkerRuntime } from './runtime.js';

/** Revoke `taskIds`; returns how many running executions were terminated. */
export function revokeTask(
  parts: { rt: WorkerRuntime; dispatcher: Dispatcher; pool: ActorPool },
  taskIds: readonly string[],
  terminate: boolean,
): number {
  let terminated = 0;
  for (const id of taskIds) {
    parts.rt.revoked.add(id);
    parts.dispatcher.revoke(id);
    if (terminate) terminated += parts.pool.abandon({ kind: 'terminated' }, id);
  }
  return terminated;
}
