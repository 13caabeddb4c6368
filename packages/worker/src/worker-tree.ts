/**
 * The running worker as a tree of parts started in order and stopped in reverse:
 * connection → events → pool → timer → consumer → control. (Placeholder sequencing until
 * the actor runtime hosts each part as an actor.)
 */
import { startLeaseRenewal } from './lease-renewal.js';
import { drainRunning, abandonRunning, stopReceiving, type ShutdownMode } from './shutdown.js';
import type { WorkerParts } from './worker-parts.js';

/** The running tree of a worker. */
export interface WorkerTree {
  /** The consumer's state (`paused` while the connection is degraded). */
  readonly consumerState: string;
  start(): Promise<void>;
  stop(mode: ShutdownMode, escalated: Promise<void>): Promise<void>;
}

/** Build the tree of `parts`. */
export function createWorkerTree(parts: WorkerParts): WorkerTree {
  const { rt, consumer, events, control, options } = parts;
  let stopRenewal = () => {};
  let stopStatus = () => {};
  return {
    get consumerState() {
      return consumer.state;
    },
    async start() {
      await rt.transport.connect();
      stopStatus = rt.transport.onStatus((event) => {
        if (event.status === 'reconnecting') {
          rt.logger.warn('Broker connection lost; consumer paused while reconnecting', {
            error: event.error?.message,
          });
          void consumer.pause();
        } else if (event.status === 'connected') {
          void consumer.resume();
        }
      });
      await events?.start();
      parts.dispatcher.attach(parts.pool);
      stopRenewal = startLeaseRenewal({
        clock: rt.clock,
        intervalMs: options.leaseRenewIntervalMs,
        unsettled: () => parts.dispatcher.unsettled(),
        logger: rt.logger,
      });
      await consumer.start();
      await control?.start();
    },
    async stop(mode, escalated) {
      await stopReceiving(parts);
      if (mode === 'cold') abandonRunning(parts, 'cold shutdown');
      await drainRunning(parts, rt.clock, options.shutdownTimeoutMs, escalated);
      stopRenewal();
      await control?.stop();
      await events?.stop();
      stopStatus();
    },
  };
}
