/**
 * Warm and cold shutdown (Celery's semantics). Warm: stop consuming, hand unstarted
 * messages (reserved, ETA, rate-limited) back to the broker, let running tasks finish up
 * to a timeout, then end the rest. Cold: the same without waiting — running units are
 * ended at once (threads terminated, child processes killed, async handlers abandoned),
 * their tasks recorded `WorkerLostError` or, acked late, requeued.
 */
import type { WorkerClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Intake } from '../pipeline/intake.js';
import type { Pool } from '../pool/pool.js';
import type { TaskConsumer } from './consumer.js';

/** Shutdown modes. */
export const ShutdownMode = {
  warm: 'warm',
  cold: 'cold',
} as const;
/** One of the values of {@link ShutdownMode}. */
export type ShutdownMode = (typeof ShutdownMode)[keyof typeof ShutdownMode];

/** What a shutdown stops. */
export interface ShutdownParts {
  readonly intake: Intake;
  readonly consumer: TaskConsumer;
  readonly pool: Pool;
  readonly clock: WorkerClock;
  readonly logger: Logger;
}

/** Stop receiving and give every unstarted message back. */
export async function stopReceiving(parts: ShutdownParts): Promise<void> {
  const handedBack = parts.intake.close();
  try {
    await parts.consumer.stop();
  } catch (error) {
    parts.logger.warn('Could not cancel the task consumer', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  if (handedBack > 0) {
    parts.logger.info(`Restoring ${handedBack} unstarted message(s) to their queues`);
  }
}

/**
 * Let running tasks finish, until `timeoutMs` passes or `escalate` resolves (a cold
 * shutdown requested meanwhile); then end the rest.
 */
export async function drainRunning(
  parts: ShutdownParts,
  timeoutMs: number,
  escalate: Promise<void>,
): Promise<void> {
  let handle: unknown;
  const timeout = new Promise<'timeout'>((resolve) => {
    handle = parts.clock.setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([
    parts.intake.whenIdle().then(() => 'idle' as const),
    timeout,
    escalate.then(() => 'cold' as const),
  ]);
  parts.clock.clearTimeout(handle);
  if (outcome !== 'idle') {
    const reason =
      outcome === 'cold' ? 'cold shutdown' : `warm shutdown timed out after ${timeoutMs} ms`;
    endRunning(parts, reason);
    await parts.intake.whenIdle();
  }
}

/** End every running task now (cold shutdown). */
export function endRunning(parts: ShutdownParts, reason: string): void {
  const count = parts.pool.end({ kind: 'lost', reason, shutdown: true });
  if (count === 0) return;
  const note =
    parts.pool.kind === 'async'
      ? ' (abandoned: the async pool cannot stop a handler that ignores its signal)'
      : '';
  parts.logger.warn(`Ended ${count} running task(s): ${reason}${note}`);
}
