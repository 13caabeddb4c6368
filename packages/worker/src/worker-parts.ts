/**
 * The parts of a worker, built once from its options: runtime, dispatcher, pool,
 * consumer, events and control. The actor tree (`worker-tree.ts`) gives each its actor;
 * this file only wires them together.
 */
import { createActorSystem, type ActorSystem } from '@celeriac/actors';
import { createClient, type Client } from '@celeriac/client';
import { ActorPool } from './actor-pool.js';
import { assertPoolSupported } from './pool-kind.js';
import { systemClock } from './clock.js';
import { TaskConsumer } from './consumer.js';
import { Dispatcher } from './dispatcher.js';
import { EventDispatcher } from './event-dispatcher.js';
import { LimitedSet } from './limited-set.js';
import { createConsoleLogger } from './logger.js';
import { RemoteControl } from './remote-control.js';
import { ResultWriter } from './result-writer.js';
import type { WorkerRuntime } from './runtime.js';
import { builtinTasks } from './builtin-tasks.js';
import type { TaskImplementation } from './implement-task.js';
import { createSignatureSender } from './send-signature.js';
import { TaskRegistry } from './task-registry.js';
import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerOptions,
} from './worker-options.js';

/** Everything a worker is made of. */
export interface WorkerParts {
  readonly options: ResolvedWorkerOptions;
  readonly rt: WorkerRuntime;
  readonly dispatcher: Dispatcher;
  readonly pool: ActorPool;
  /** The actor system the worker's tree lives in. */
  readonly system: ActorSystem;
  readonly consumer: TaskConsumer;
  readonly events: EventDispatcher | null;
  readonly control: RemoteControl | null;
  /** Sends follow-ups (link callbacks, errbacks, chain steps). */
  readonly client: Client;
}

/** Build the parts of a worker (nothing connects yet). */
export function buildWorkerParts(
  input: WorkerOptions,
  hooks: { onShutdownRequested: (mode: 'warm' | 'cold') => void },
): WorkerParts {
  const options = resolveWorkerOptions(input);
  assertPoolSupported(options.pool);
  const clock = input.clock ?? systemClock;
  const logger = input.logger ?? createConsoleLogger({ name: options.hostname });
  const now = () => clock.now();
  // Follow-ups (callbacks, chain steps) go through a client on the worker's transport.
  // It gets no backend: the worker does not wait for the results of what it sends.
  const client = createClient({
    transport: input.transport,
    origin: options.hostname,
    now: () => new Date(clock.now()),
    // A follow-up without a queue goes where a Python worker sends it: the app's default
    // queue, else the first queue this worker consumes (not always `celery`).
    defaultQueue: input.defaultQueue ?? options.queues[0] ?? 'celery',
    ...(input.queueDeclarations ? { queues: input.queueDeclarations } : {}),
    // Chords sent as follow-ups (a chain step, a chord body) set their size here.
    canvasBackend: input.backend,
  });
  const events = options.events
    ? new EventDispatcher({
        transport: input.transport,
        hostname: options.hostname,
        clock,
        logger,
        ...options.events,
        active: () => rt.active.size,
        processed: () => rt.stats.processed,
      })
    : null;
  const rt: WorkerRuntime = {
    hostname: options.hostname,
    pid: process.pid,
    clock,
    logger,
    registry: new TaskRegistry(
      withBuiltins(input.tasks, () => rt),
      input.taskDefaults,
    ),
    results: new ResultWriter({
      backend: input.backend,
      hostname: options.hostname,
      resultExtended: options.resultExtended,
      now,
      logger,
    }),
    backend: input.backend,
    events: events ?? { enabled: false, send: () => {} },
    revoked: new LimitedSet({ ...input.revoked, now }),
    transport: input.transport,
    stats: { total: new Map(), processed: 0, startedAt: now() },
    active: new Map(),
    sendSignature: createSignatureSender(client),
  };
  // eslint-disable-next-line prefer-const -- the dispatcher's callback needs the consumer
  let consumer: TaskConsumer;
  const dispatcher = new Dispatcher(rt, {
    accept: options.accept,
    onHeldChange: (delta) => consumer.adjustHeld(delta),
  });
  const pool = new ActorPool(rt, {
    concurrency: options.concurrency,
    onFinished: (request) => dispatcher.done(request),
    onExecutorReady: () => dispatcher.pump(),
  });
  const system = createActorSystem({
    clock,
    onUnhandledError: (error, actor) =>
      logger.error(`Unhandled error in actor ${actor.path}`, {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  consumer = new TaskConsumer({
    transport: input.transport,
    queues: options.queues,
    queueDeclarations: input.queueDeclarations,
    prefetch: options.concurrency * options.prefetchMultiplier,
    consumerTag: `${options.hostname}-tasks`,
    onDelivery: (delivery) => dispatcher.onDelivery(delivery),
  });
  const control = options.control
    ? new RemoteControl({
        rt,
        dispatcher,
        pool,
        consumer,
        events,
        options,
        onShutdown: () => hooks.onShutdownRequested('warm'),
      })
    : null;
  return { options, rt, dispatcher, pool, system, consumer, events, control, client };
}

/** The application's tasks plus Celery's builtins it does not implement itself. */
function withBuiltins(
  tasks: Iterable<TaskImplementation>,
  runtime: () => WorkerRuntime,
): TaskImplementation[] {
  const own = [...tasks];
  const names = new Set(own.map((t) => t.name));
  const builtins = builtinTasks(
    (name) => runtime().registry.get(name)?.implementation,
    (ctx, canvas) =>
      runtime().sendSignature(canvas, {
        prependArgs: [],
        parentId: ctx.taskId,
        rootId: ctx.rootId ?? ctx.taskId,
      }),
  );
  return [...own, ...builtins.filter((b) => !names.has(b.name))];
}
