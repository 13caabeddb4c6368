/**
 * The parts of a worker, built once from its options, each given what it needs (in
 * dependency order, nothing wired before it exists): the follow-up client, the registry,
 * the result writer, events, the consumer, the pool, the intake, remote control. The
 * actor tree (`worker-tree.ts`) gives each its actor.
 */
import { createActorSystem, type ActorSystem } from '@celeriac/actors';
import { createClient, type Client } from '@celeriac/client';
import {
  createControlAuthorizer,
  createMessageSecurity,
  isAuthSerializer,
  type ResultBackend,
  type Transport,
} from '@celeriac/protocol';
import { BuiltinTask, builtinTasks } from '../canvas/builtin-tasks.js';
import { createSignatureSender } from '../canvas/send-signature.js';
import { systemClock, type WorkerClock } from '../clock.js';
import { ActorWatch } from '../control/actor-tree.js';
import { EventDispatcher, NO_EVENTS } from '../control/events.js';
import { RemoteControl } from '../control/remote-control.js';
import { InvalidOptionError } from '../errors.js';
import { systemOf } from '../telemetry.js';
import { WorkerMetrics } from '../worker-metrics.js';
import type { TaskImplementation } from '../implement-task.js';
import { createConsoleLogger, logsAt, type Logger } from '../logger.js';
import { Intake } from '../pipeline/intake.js';
import { LimitedSet } from '../pipeline/limited-set.js';
import { ResultWriter } from '../pipeline/result-writer.js';
import { WorkerStats } from '../pipeline/stats.js';
import { TaskRegistry } from '../pipeline/task-registry.js';
import { AsyncUnit } from '../pool/async-unit.js';
import { Autoscaler } from '../pool/autoscaler.js';
import type { HandlerDeps } from '../pool/handler-run.js';
import { Pool } from '../pool/pool.js';
import { startRemoteUnit } from '../pool/remote-unit.js';
import { defaultUnitExecArgv } from '../pool/unit-channel.js';
import { PoolKind, type Unit } from '../pool/unit.js';
import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerOptions,
} from '../worker-options.js';
import { TaskConsumer } from './consumer.js';

/** Everything a worker is made of. */
export interface WorkerParts {
  readonly options: ResolvedWorkerOptions;
  readonly input: WorkerOptions;
  readonly hostname: string;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly backend: ResultBackend;
  readonly registry: TaskRegistry;
  readonly revoked: LimitedSet;
  readonly stats: WorkerStats;
  readonly intake: Intake;
  readonly pool: Pool;
  readonly consumer: TaskConsumer;
  readonly events: EventDispatcher | null;
  readonly control: RemoteControl | null;
  /** The actor system the worker's tree lives in. */
  readonly system: ActorSystem;
  /** Sends follow-ups (link callbacks, errbacks, chain steps). */
  readonly client: Client;
}

/** Build the parts of a worker (nothing connects yet); `shutdown` stops it (warm). */
export function assembleWorker(input: WorkerOptions, shutdown: () => void): WorkerParts {
  const options = resolveWorkerOptions(input);
  const hostname = options.hostname;
  const clock = input.clock ?? systemClock;
  const logger = input.logger ?? createConsoleLogger({ name: hostname });
  const now = () => clock.now();
  const { transport, backend } = input;
  // Signed messages: every task is verified on receipt, and follow-ups are signed when
  // the worker has a key and certificate of its own.
  const security = input.security;
  const auth =
    security === undefined
      ? undefined
      : isAuthSerializer(security)
        ? security
        : createMessageSecurity(security);
  if (auth !== undefined && !auth.verifies) {
    throw new InvalidOptionError(
      'security',
      'a worker verifies every task message: give the trusted certificates (store)',
    );
  }
  // Follow-ups (callbacks, chain steps) go through a client on the worker's transport.
  // It gets no backend: the worker does not wait for the results of what it sends.
  const client = createClient({
    transport,
    origin: hostname,
    now: () => new Date(clock.now()),
    // A follow-up without a queue goes where a Python worker sends it: the app's default
    // queue, else the first queue this worker consumes (not always `celery`).
    defaultQueue: input.defaultQueue ?? options.queues[0] ?? 'celery',
    ...(input.queueDeclarations ? { queues: input.queueDeclarations } : {}),
    // Chords sent as follow-ups (a chain step, a chord body) set their size here.
    canvasBackend: backend,
    ...(auth?.signer !== undefined ? { security: auth } : {}),
  });
  const send = createSignatureSender(client);
  const tasks = [...input.tasks];
  const registry = new TaskRegistry(withBuiltins(tasks, send), input.taskDefaults);
  const results = new ResultWriter({
    backend,
    hostname,
    resultExtended: options.resultExtended,
    now,
    logger,
  });
  const revoked = new LimitedSet({ ...input.revoked, now });
  const stats = new WorkerStats(now());
  const events = options.events
    ? new EventDispatcher({
        transport,
        hostname,
        clock,
        logger,
        ...options.events,
        processed: () => stats.processed,
      })
    : null;
  const consumer = new TaskConsumer({
    transport,
    queues: options.queues,
    queueDeclarations: input.queueDeclarations,
    prefetch: options.concurrency * options.prefetchMultiplier,
    consumerTag: `${hostname}-tasks`,
  });
  const handlerDeps = {
    hostname,
    clock,
    logger,
    storeState: async (
      request: Parameters<ResultWriter['store']>[0],
      state: string,
      meta: unknown,
    ) => {
      await results.store(request, state, meta, null);
    },
  };
  const createUnit = unitFactory(options, input, handlerDeps, localTaskNames(tasks));
  const autoscale = options.autoscale;
  const pool = new Pool({
    kind: options.pool,
    // Celery starts an autoscaled pool at its min (here at least one executor).
    concurrency: autoscale ? Math.max(1, autoscale.min) : options.concurrency,
    maxConcurrency: options.concurrency,
    // pool_grow / pool_shrink move the prefetch with the size (the autoscaler, with max).
    onResize: (size) => {
      if (!autoscale) consumer.setBasePrefetch(size * options.prefetchMultiplier);
    },
    maxTasksPerChild: options.maxTasksPerChild,
    logger,
    executor: {
      taskNames: registry.names(),
      clock,
      revoked,
      storeStarted: async (request, pid) => {
        await results.started(request, pid);
      },
      createUnit,
      ...(options.pool === 'async' ? {} : { lostCheckMs: 1000 }),
    },
  });
  if (autoscale) {
    pool.autoscaler = new Autoscaler({
      pool,
      clock,
      logger,
      ...autoscale,
      onMax: (max) => consumer.setBasePrefetch(max * options.prefetchMultiplier),
    });
  }
  const metrics = new WorkerMetrics({
    system: systemOf(transport.kind),
    hostname,
    active: () => pool.units().filter((unit) => unit.busy).length,
    reserved: () => pool.reserved().length,
    prefetch: () => consumer.prefetch,
    queues: () => consumer.queues,
    queueLength: (queue) => transport.queueLength(queue),
  });
  const intake = new Intake({
    hostname,
    clock,
    logger,
    logInfo: logsAt(logger, 'info'),
    transport,
    backend,
    results,
    send,
    events: events ?? NO_EVENTS,
    stats,
    accept: options.accept,
    ...(auth === undefined ? {} : { auth }),
    registry,
    revoked,
    pool,
    held: consumer,
    metrics,
  });
  const system = createActorSystem({
    clock,
    onUnhandledError: (error, actor) =>
      logger.error(`Unhandled error in actor ${actor.path}`, {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  const actors = new ActorWatch(
    system,
    events ? (fields) => events.sendActorTransition(fields) : undefined,
    (path) => metrics.restarted(path),
  );
  const control = options.control
    ? new RemoteControl({
        hostname,
        clock,
        logger,
        transport,
        registry,
        revoked,
        stats,
        intake,
        pool,
        consumer,
        events,
        taskDefaults: input.taskDefaults ?? {},
        authorizer: createControlAuthorizer({ ...options.control, now }),
        actors,
        subscriptions: input.subscriptions ?? [],
        shutdown,
      })
    : null;
  return {
    options,
    input,
    hostname,
    clock,
    logger,
    transport,
    backend,
    registry,
    revoked,
    stats,
    intake,
    pool,
    consumer,
    events,
    control,
    system,
    client,
  };
}

/** How the executors of this pool kind get their unit. */
function unitFactory(
  options: ResolvedWorkerOptions,
  input: WorkerOptions,
  deps: HandlerDeps,
  local: ReadonlySet<string>,
): (signal: AbortSignal) => Unit | Promise<Unit> {
  const kind = options.pool;
  if (kind === PoolKind.async) return () => new AsyncUnit(deps);
  const unitOptions = {
    kind,
    appModule: input.appModule!,
    execArgv: input.unitExecArgv ?? defaultUnitExecArgv(),
    maxTasksPerChild: options.maxTasksPerChild,
    maxMemoryPerChild: options.maxMemoryPerChild,
    deps,
    local,
  };
  return (signal) => startRemoteUnit(unitOptions, signal);
}

/** Celery's builtins the app does not implement itself: run in the worker on every pool. */
function localTaskNames(tasks: readonly TaskImplementation[]): ReadonlySet<string> {
  const own = new Set(tasks.map((t) => t.name));
  return new Set(Object.values<string>(BuiltinTask).filter((name) => !own.has(name)));
}

/** The application's tasks plus Celery's builtins it does not implement itself. */
function withBuiltins(
  tasks: Iterable<TaskImplementation>,
  send: ReturnType<typeof createSignatureSender>,
): TaskImplementation[] {
  const own = [...tasks];
  const byName = new Map(own.map((t) => [t.name, t]));
  const builtins = builtinTasks(
    (name) => byName.get(name),
    (ctx, canvas) =>
      send(canvas, { prependArgs: [], parentId: ctx.taskId, rootId: ctx.rootId ?? ctx.taskId }),
  );
  return [...own, ...builtins.filter((b) => !byName.has(b.name))];
}
