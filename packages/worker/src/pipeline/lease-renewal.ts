/**
 * Keeping held messages ours: on Redis an unacked message returns to its queue after the
 * visibility timeout (1 h), so ETA tasks, rate-limited tasks and long late-acked tasks
 * would run twice. Every `intervalMs` the worker renews each unsettled delivery's lease.
 */
import type { WorkerClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { TaskRequest } from './request.js';

/** Options of {@link startLeaseRenewal}. */
export interface LeaseRenewalOptions {
  clock: WorkerClock;
  intervalMs: number;
  /** The requests whose deliveries are unsettled now. */
  unsettled: () => Iterable<TaskRequest>;
  logger: Logger;
}

/** Start renewing; returns the function that stops it. */
export function startLeaseRenewal(options: LeaseRenewalOptions): () => void {
  let handle: unknown;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    for (const request of options.unsettled()) {
      if (request.ack.settled) continue;
      request.delivery.renew().catch((error: unknown) => {
        options.logger.warn('Could not renew the lease of a held message', {
          task: request.name,
          id: request.id,
          queue: request.delivery.queue,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    }
    handle = options.clock.setTimeout(tick, options.intervalMs);
  };
  handle = options.clock.setTimeout(tick, options.intervalMs);
  return () => {
    stopped = true;
    options.clock.clearTimeout(handle);
  };
}
