/**
 * Revoking on one worker: remember the ids (so later deliveries are discarded), withdraw
 * matching requests not started yet (their flows record REVOKED), and with `terminate`
 * end running ones: a child process is sent `signal` (Celery's default SIGTERM), a thread
 * is terminated, an async handler abandoned (its signal aborts with
 * `TaskRevokedError('terminated')`); their executors are replaced.
 */
import type { Intake } from '../pipeline/intake.js';
import type { LimitedSet } from '../pipeline/limited-set.js';
import type { Pool } from '../pool/pool.js';

/** What revoking reaches. */
export interface RevokeParts {
  readonly revoked: LimitedSet;
  readonly intake: Intake;
  readonly pool: Pool;
}

/** Revoke `taskIds`; returns how many running executions were terminated. */
export function revokeTasks(
  parts: RevokeParts,
  taskIds: readonly string[],
  terminate: boolean,
  signal = 'SIGTERM',
): number {
  let terminated = 0;
  for (const id of taskIds) {
    parts.revoked.add(id);
    parts.intake.withdraw(id);
    if (terminate) terminated += parts.pool.end({ kind: 'terminated', signal }, id);
  }
  return terminated;
}
