/**
 * The running worker as an actor tree (DESIGN.md "The worker, as an actor tree"):
 *
 * ```
 * <hostname>            the worker
 * ├── connection        the transport as a resource; degraded while reconnecting
 * ├── events            Celery events (when enabled)
 * ├── pool              the executors: executor-1 … executor-N (idle | <task>.running)
 * ├── timer             ETA holding and lease renewal
 * ├── consumer          the task subscription; paused while the connection is degraded
 * └── control           remote control over the pidbox (when enabled)
 * ```
 *
 * Start order is top to bottom, each child depending on the one above (so a child never
 * runs without what it needs), and stop order is the reverse: control, consumer (unstarted
 * messages go back), timer, pool (running tasks finish or are cut short), events
 * (`worker-offline`), connection.
 */
import { defineActor, type ActorRef } from '@celeriac/actors';
import { defineExecutor } from './executor-actor.js';
import { startLeaseRenewal } from './lease-renewal.js';
import { abandonRunning, drainRunning, stopReceiving, type ShutdownMode } from './shutdown.js';
import type { WorkerParts } from './worker-parts.js';

/** The running tree of a worker. */
export interface WorkerTree {
  /** The root actor (named after the node). */
  readonly root: ActorRef;
  /** Children by role. */
  readonly actors: Readonly<
    Record<
      'connection' | 'events' | 'pool' | 'timer' | 'consumer' | 'control',
      ActorRef | undefined
    >
  >;
  /** The consumer's state (`paused` while the connection is degraded). */
  readonly consumerState: string;
  start(): Promise<void>;
  stop(mode: ShutdownMode, escalated: Promise<void>): Promise<void>;
}

const worker = defineActor({ name: 'worker' });

/** Build the actor tree of `parts` (spawned, not started). */
export function createWorkerTree(parts: WorkerParts): WorkerTree {
  const { rt, consumer, events, control, options, pool, system, dispatcher } = parts;
  let mode: ShutdownMode = 'warm';
  let escalated: Promise<void> = new Promise(() => {});
  // The actors refer to each other through these once spawned.
  const refs: { connection?: ActorRef; consumer?: ActorRef; pool?: ActorRef } = {};

  const root = system.spawn(worker, { id: rt.hostname });

  const connectionDef = defineActor({
    name: 'connection',
    resources: {
      transport: {
        acquire: async () => {
          await rt.transport.connect();
          return rt.transport.onStatus((event) => {
            if (event.status === 'reconnecting') {
              rt.logger.warn('Broker connection lost; consuming paused while reconnecting', {
                error: event.error?.message,
              });
              if (refs.connection?.state.startsWith('started.running')) {
                refs.connection.reportHealth('degraded');
              }
              if (refs.consumer?.state.startsWith('started.running')) refs.consumer.pause();
            } else if (event.status === 'connected') {
              if (refs.connection?.state.startsWith('started.running')) {
                refs.connection.reportHealth('healthy');
              }
              if (refs.consumer?.state === 'started.paused') refs.consumer.resume();
            }
          });
        },
        release: (unsubscribe: () => void) => unsubscribe(),
      },
    },
  });
  const connectionActor = system.spawn(connectionDef, { id: 'connection', parent: root });
  refs.connection = connectionActor;
  let previous: ActorRef = connectionActor;

  let eventsActor: ActorRef | undefined;
  if (events) {
    const def = defineActor({
      name: 'events',
      resources: {
        dispatcher: { acquire: () => events.start(), release: () => events.stop() },
      },
    });
    eventsActor = system.spawn(def, { id: 'events', parent: root, dependencies: [previous] });
    previous = eventsActor;
  }

  const executor = defineExecutor(rt);
  const poolDef = defineActor({
    name: 'pool',
    resources: {
      executors: {
        acquire: async () => {
          await pool.start(system, executor, refs.pool!);
          dispatcher.attach(pool);
        },
        release: async () => {
          if (mode === 'cold') abandonRunning(parts, 'cold shutdown');
          await drainRunning(parts, rt.clock, options.shutdownTimeoutMs, escalated);
          await pool.stop();
        },
      },
    },
  });
  const poolActor = system.spawn(poolDef, { id: 'pool', parent: root, dependencies: [previous] });
  refs.pool = poolActor;

  const timerDef = defineActor({
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
  const timerActor = system.spawn(timerDef, {
    id: 'timer',
    parent: root,
    dependencies: [poolActor],
  });

  const consumerDef = defineActor({
    name: 'consumer',
    resources: {
      subscription: {
        acquire: () => consumer.start(),
        release: async () => {
          await stopReceiving(parts);
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
  const consumerActor = system.spawn(consumerDef, {
    id: 'consumer',
    parent: root,
    dependencies: [timerActor, connectionActor],
  });
  refs.consumer = consumerActor;
  let head: ActorRef = consumerActor;

  let controlActor: ActorRef | undefined;
  if (control) {
    const def = defineActor({
      name: 'control',
      resources: { pidbox: { acquire: () => control.start(), release: () => control.stop() } },
    });
    controlActor = system.spawn(def, {
      id: 'control',
      parent: root,
      dependencies: [consumerActor],
    });
    head = controlActor;
  }

  return {
    root,
    actors: {
      connection: connectionActor,
      events: eventsActor,
      pool: poolActor,
      timer: timerActor,
      consumer: consumerActor,
      control: controlActor,
    },
    get consumerState() {
      return consumer.state;
    },
    async start() {
      await head.start();
      await root.start();
    },
    async stop(shutdownMode, cold) {
      mode = shutdownMode;
      escalated = cold;
      await root.stop();
      await head.stop();
      await system.close();
    },
  };
}
