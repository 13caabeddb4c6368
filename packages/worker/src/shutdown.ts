/**
 * Warm and cold shutdown (Celery's semantics). Warm: stop consuming, hand unstarted
 * messages (reserved, ETA, rate-limited) back to the broker, let running tasks finish up
 * to a timeout, then cut the rest short. Cold: the same without waiting.
 */
import type { WorkerClock } from './clock.js';
import type { WorkerParts } from './worker-parts.js';

/** Shutdown modes. */
export const ShutdownMode = {
  warm: 'warm',
  cold: 'cold',
} as const;
/** One of the values of {@link ShutdownMode}. */
export type ShutdownMode = (typeof ShutdownMode)[keyof typeof ShutdownMode];

/** Stop receiving and give every unstarted message back. */
export async function stopReceiving(parts: WorkerParts): Promise<number> {
  parts.dispatcher.closed = true;
  await parts.consumer.stop().catch((error: unknown) => {
    parts.rt.logger.warn('Could not cancel the task consumer', {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  const unstarted = parts.dispatcher.drainUnstarted();
  await Promise.all(
    unstarted.map((request) =>
      request.ack.reject(true).catch((error: unknown) => {
        parts.rt.logger.warn('Could not requeue an unstarted message', {
          task: request.name,
          id: request.id,
          queue: request.delivery.queue,
          error: error instanceof Error ? error.message : String(error),
        });
      }),
    ),
  );
  if (unstarted.length > 0) {
    parts.rt.logger.info(`Restored ${unstarted.length} unstarted message(s) to their queues`);
  }
  return unstarted.length;
}

/**
 * Let running tasks finish, until `timeoutMs` passes or `escalate` resolves (a cold
 * shutdown requested meanwhile); then cut the rest short.
 */
export async function drainRunning(
  parts: WorkerParts,
  clock: WorkerClock,
  timeoutMs: number,
  escalate: Promise<void>,
): Promise<void> {
  let handle: unknown;
  const timeout = new Promise<'timeout'>((resolve) => {
    handle = clock.setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([
    parts.pool.whenIdle().then(() => 'idle' as const),
    timeout,
    escalate.then(() => 'cold' as const),
  ]);
  clock.clearTimeout(handle);
  if (outcome !== 'idle') {
    const reason =
      outcome === 'cold' ? 'cold shutdown' : `warm shutdown timed out after ${timeoutMs} ms`;
    abandonRunning(parts, reason);
    await parts.pool.whenIdle();
  }
}

/** Cut every running task short (abort signal, then abandoned). */
export function abandonRunning(parts: WorkerParts, reason: string): void {
  const count = parts.pool.abandon({ kind: 'lost', reason, shutdown: true });
  if (count > 0) parts.rt.logger.warn(`Aborted ${count} running task(s): ${reason}`);
}
