/**
 * Revoking on one worker: remember the ids (so later deliveries are discarded), discard
 * matching requests not started yet, and with `terminate` cut running ones short (their
 * AbortSignal fires with `TaskRevokedError('terminated')`).
 */
import type { WorkerParts } from './worker-parts.js';

/** Revoke `taskIds`; returns how many running executions were terminated. */
export function revokeTask(
  parts: WorkerParts,
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
