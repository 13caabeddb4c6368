/**
 * The running worker as an actor tree (DESIGN.md "The worker, as an actor tree"):
 *
 * ```
 * <hostname>            supervisor, rest-for-one
 * ├── connection        the transport as a resource (retried at start-up); degraded
 * │                     while reconnecting
 * ├── events            Celery events (when enabled)
 * ├── pool              supervisor, one-for-one: executor-1 … executor-N, each owning
 * │                     its unit (activity idle | <task>.running)
 * ├── timer             lease renewal of held messages; the autoscaler (when set)
 * ├── consumer          the task subscription; paused while the connection is degraded
 * └── control           remote control over the pidbox (when enabled)
 * ```
 *
 * Children start top to bottom and stop bottom to top, so each runs only while what it
 * needs runs, and a crash restarts the crashed child and everything below it. On stop:
 * control goes, then the consumer (stop receiving, hand unstarted messages back, let
 * running tasks finish or end them), the timer, the pool (its units end), events
 * (`worker-offline`), the connection.
 */
import {
  defineActor,
  defineSupervisor,
  type ActorRef,
  type ChildSpec,
  type ExitReason,
} from '@celeriac/actors';
import type { TransportStatusEvent } from '@celeriac/protocol';
import { startLeaseRenewal } from '../pipeline/lease-renewal.js';
import type { WorkerParts } from './assemble.js';
import { connectWithRetry } from './connection.js';
import { drainRunning, endRunning, stopReceiving, type ShutdownMode } from './shutdown.js';

/** Roles of the worker's children. */
export type WorkerChild = 'connection' | 'events' | 'pool' | 'timer' | 'consumer' | 'control';

/** The running tree of a worker. */
export interface WorkerTree {
  /** The root supervisor (its id is the node name). */
  readonly root: ActorRef;
  /** A child by role, once started (`undefined` for disabled parts). */
  child(role: WorkerChild): ActorRef | undefined;
  /** The consumer's state (`paused` while the connection is degraded). */
  readonly consumerState: string;
  start(): Promise<void>;
  stop(mode: ShutdownMode, escalated: Promise<void>): Promise<void>;
  /** Close the actor system and the follow-up client (after a failed start). */
  dispose(): Promise<void>;
}

/** Hooks of {@link createWorkerTree}. */
export interface WorkerTreeHooks {
  /** Aborted when the worker is told to stop (ends connection retries at once). */
  readonly stopSignal: AbortSignal;
  /** The root supervisor crashed (a child kept failing beyond the restart intensity). */
  readonly onCrashed: (error: unknown) => void;
}

/** Build the actor tree of `parts` (spawned, not started). */
export function createWorkerTree(parts: WorkerParts, hooks: WorkerTreeHooks): WorkerTree {
  const { consumer, events, control, options, pool, system, intake, logger, hostname } = parts;
  let mode: ShutdownMode = 'warm';
  let escalated: Promise<void> = new Promise(() => {});
  const path = (role: WorkerChild) => `/${hostname}/${role}`;
  const child = (role: WorkerChild) => system.get(path(role));

  let lost = false;
  const onStatus = (event: TransportStatusEvent) => {
    const self = child('connection');
    const consuming = child('consumer');
    if (event.status === 'reconnecting') {
      if (!lost) {
        lost = true;
        logger.warn(
          `Broker connection lost (${event.error?.message ?? 'no reason given'}); ` +
            'consuming paused while the transport reconnects',
        );
      }
      if (self?.state.startsWith('started.running')) self.reportHealth('degraded');
      if (consuming?.state.startsWith('started.running')) consuming.pause();
    } else if (event.status === 'connected') {
      if (lost) {
        lost = false;
        logger.info('Broker connection restored; consuming again');
      }
      if (self?.state.startsWith('started.running')) self.reportHealth('healthy');
      if (consuming?.state === 'started.paused') consuming.resume();
    }
  };

  const connection = defineActor({
    name: 'connection',
    // Retries at start-up may take minutes (`brokerConnectionRetry`).
    resourceTimeoutMs: Number.POSITIVE_INFINITY,
    resources: {
      transport: {
        acquire: async ({ signal }) => {
          await connectWithRetry(parts.transport, {
            hostname,
            clock: parts.clock,
            logger,
            retry: options.brokerConnectionRetry,
            signal: AbortSignal.any([signal, hooks.stopSignal]),
          });
          return parts.transport.onStatus(onStatus);
        },
        release: (unsubscribe: () => void) => unsubscribe(),
      },
    },
  });

  const timer = defineActor({
    name: 'timer',
    resources: {
      leases: {
        acquire: () =>
          startLeaseRenewal({
            clock: parts.clock,
            intervalMs: options.leaseRenewIntervalMs,
            unsettled: () => intake.owned(),
            logger,
          }),
        release: (stop: () => void) => stop(),
      },
      autoscaler: {
        acquire: () => pool.autoscaler?.start() ?? noop,
        release: (stop: () => void) => stop(),
      },
    },
  });

  const logFailure = (what: string) => (error: unknown) =>
    logger.error(`Could not ${what} the task consumer`, {
      error: error instanceof Error ? error.message : String(error),
    });
  const shutdownParts = { intake, consumer, pool, clock: parts.clock, logger };
  const consuming = defineActor({
    name: 'consumer',
    resources: {
      subscription: {
        acquire: async () => {
          pool.bind(child('pool')!);
          intake.reopen();
          await consumer.start(intake);
        },
        release: async (_: void, reason: ExitReason) => {
          await stopReceiving(shutdownParts);
          // Running tasks finish before the pool below stops: on a warm stop up to the
          // timeout, at once on a cold one; a restart leaves them running.
          if (reason !== 'stop') return;
          if (mode === 'cold') endRunning(shutdownParts, 'cold shutdown');
          await drainRunning(shutdownParts, options.shutdownTimeoutMs, escalated);
        },
      },
    },
    hooks: {
      onEnter: (state) => {
        if (state === 'started.paused') void consumer.pause().catch(logFailure('pause'));
      },
      onExit: (state) => {
        if (state === 'started.paused') void consumer.resume().catch(logFailure('resume'));
      },
    },
  });

  const children: ChildSpec[] = [{ id: 'connection', actor: connection }];
  if (events) {
    children.push({
      id: 'events',
      actor: defineActor({
        name: 'events',
        resources: {
          dispatcher: {
            acquire: () => events.start(() => intake.activeCount()),
            release: () => events.stop(),
          },
        },
      }),
    });
  }
  children.push(
    { id: 'pool', actor: pool.define() },
    { id: 'timer', actor: timer },
    { id: 'consumer', actor: consuming },
  );
  if (control) {
    children.push({
      id: 'control',
      actor: defineActor({
        name: 'control',
        resources: { pidbox: { acquire: () => control.start(), release: () => control.stop() } },
      }),
    });
  }
  const root = system.spawn(
    defineSupervisor({
      name: 'worker',
      strategy: 'rest-for-one',
      children,
      hooks: {
        onEnter: (state) => {
          if (state === 'crashed')
            queueMicrotask(() => hooks.onCrashed(system.get(`/${hostname}`)?.crashError));
        },
      },
    }),
    { id: hostname },
  );

  return {
    root,
    child,
    get consumerState() {
      return consumer.state;
    },
    start: () => root.start(),
    async stop(shutdownMode, cold) {
      mode = shutdownMode;
      escalated = cold;
      await root.stop();
      await system.close();
      await parts.client.close();
    },
    async dispose() {
      await system.close();
      await parts.client.close();
    },
  };
}

function noop(): void {
  return undefined;
}
