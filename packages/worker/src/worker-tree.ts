/**
 * The running worker as an actor tree (DESIGN.md "The worker, as an actor tree"):
 *
 * ```
 * <hostname>            supervisor, rest-for-one
 * ├── connection        the transport as a resource; degraded while reconnecting
 * ├── events            Celery events (when enabled)
 * ├── pool              supervisor, one-for-one: executor-1 … executor-N
 * │                     (activity idle | <task>.running)
 * ├── timer             ETA holding and lease renewal
 * ├── consumer          the task subscription; paused while the connection is degraded
 * └── control           remote control over the pidbox (when enabled)
 * ```
 *
 * Children start top to bottom and stop bottom to top, so each runs only while what it
 * needs runs, and a crash restarts the crashed child and everything below it. On stop:
 * control goes, then the consumer (stop receiving, hand unstarted messages back, let
 * running tasks finish or cut them short), the timer, the pool, events
 * (`worker-offline`), the connection.
 */
import {
  defineActor,
  defineSupervisor,
  type ActorRef,
  type ChildSpec,
  type ExitReason,
} from '@celeriac/actors';
import { startLeaseRenewal } from './lease-renewal.js';
import { abandonRunning, drainRunning, stopReceiving, type ShutdownMode } from './shutdown.js';
import type { WorkerParts } from './worker-parts.js';

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
}

/**
 * Build the actor tree of `parts` (spawned, not started). `onCrashed` is told when the
 * root supervisor itself crashes (a child kept failing beyond the restart intensity).
 */
export function createWorkerTree(
  parts: WorkerParts,
  onCrashed: (error: unknown) => void = () => {},
): WorkerTree {
  const { rt, consumer, events, control, options, pool, system, dispatcher } = parts;
  let mode: ShutdownMode = 'warm';
  let escalated: Promise<void> = new Promise(() => {});
  const path = (role: WorkerChild) => `/${rt.hostname}/${role}`;
  const child = (role: WorkerChild) => system.get(path(role));

  const connection = defineActor({
    name: 'connection',
    resources: {
      transport: {
        acquire: async () => {
          await rt.transport.connect();
          return rt.transport.onStatus((event) => {
            const self = child('connection');
            const consuming = child('consumer');
            if (event.status === 'reconnecting') {
              rt.logger.warn('Broker connection lost; consuming paused while reconnecting', {
                error: event.error?.message,
              });
              if (self?.state.startsWith('started.running')) self.reportHealth('degraded');
              if (consuming?.state.startsWith('started.running')) consuming.pause();
            } else if (event.status === 'connected') {
              if (self?.state.startsWith('started.running')) self.reportHealth('healthy');
              if (consuming?.state === 'started.paused') consuming.resume();
            }
          });
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
            clock: rt.clock,
            intervalMs: options.leaseRenewIntervalMs,
            unsettled: () => dispatcher.unsettled(),
            logger: rt.logger,
          }),
        release: (stop: () => void) => stop(),
      },
    },
  });

  const consuming = defineActor({
    name: 'consumer',
    resources: {
      subscription: {
        acquire: async () => {
          pool.bind(child('pool')!);
          dispatcher.closed = false;
          dispatcher.attach(pool);
          await consumer.start();
        },
        release: async (_: void, reason: ExitReason) => {
          await stopReceiving(parts);
          // Running tasks finish before the pool below stops: on a warm stop up to the
          // timeout, at once on a cold one; a restart leaves them running.
          if (reason !== 'stop') return;
          if (mode === 'cold') abandonRunning(parts, 'cold shutdown');
          await drainRunning(parts, rt.clock, options.shutdownTimeoutMs, escalated);
        },
      },
    },
    hooks: {
      onEnter: (state) => {
        if (state === 'started.paused') void consumer.pause();
      },
      onExit: (state) => {
        if (state === 'started.paused') void consumer.resume();
      },
    },
  });

  const children: ChildSpec[] = [{ id: 'connection', actor: connection }];
  if (events) {
    children.push({
      id: 'events',
      actor: defineActor({
        name: 'events',
        resources: { dispatcher: { acquire: () => events.start(), release: () => events.stop() } },
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
            queueMicrotask(() => onCrashed(system.get(`/${rt.hostname}`)?.crashError));
        },
      },
    }),
    { id: rt.hostname },
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
  };
}
