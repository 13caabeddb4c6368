/**
 * The follower's loop: try to acquire the lease every `pollEveryMs` until granted (or the
 * beat stops). A store that cannot be reached makes the beat degraded, not dead.
 */
import type { LeaderLease } from '@celeriac/protocol';
import type { BeatCore } from './beat-core.js';
import { BeatRole } from './beat-core.js';

/** A granted term, and when it was asked for (its lease is counted from then). */
export interface Granted {
  readonly lease: LeaderLease;
  readonly grantedAt: number;
}

/** Follow until a term is granted; rejects with the signal's reason when the beat stops. */
export async function follow(core: BeatCore, signal: AbortSignal): Promise<Granted> {
  core.role = BeatRole.follower;
  const { clock, coordination, timing } = core;
  for (;;) {
    // Counted from before the request: the store starts the lease later, never earlier.
    const askedAt = clock.now();
    try {
      await coordination.connect();
      const lease = await coordination.acquireLeadership(core.holder, timing.leaseMs);
      core.reachable();
      if (lease !== undefined) return { lease, grantedAt: askedAt };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      core.unreachable(error);
    }
    await core.wakeup.sleep(clock, timing.pollEveryMs, signal);
  }
}
