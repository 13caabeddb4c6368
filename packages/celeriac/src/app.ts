/**
 * `createApp`: one object that holds an app's configuration (broker and result backend
 * URLs, routes, task defaults) and its task implementations, and makes clients and
 * workers from them — Celery's `Celery(...)` app, typed.
 */
import type {
  ArgsOf,
  BeatCoordination,
  ControlKey,
  KwargsOf,
  ResultBackend,
  ResultOf,
  Transport,
} from '@celeriac/protocol';
import { ClosedError } from '@celeriac/protocol';
import { createClient } from '@celeriac/client';
import type {
  AnyTaskContract,
  AsyncResult,
  Client,
  ClientOptions,
  SendTaskOptions,
  TaskProducer,
} from '@celeriac/client';
import { createWorker, implementTask } from '@celeriac/worker';
import { createBeat } from '@celeriac/beat';
import type { Beat, BeatOptions, BeatSchedule } from '@celeriac/beat';
import type {
  ImplementTaskOptions,
  TaskHandler,
  TaskImplementation,
  Worker,
  WorkerOptions,
} from '@celeriac/worker';
import type { ConnectionOptions } from './urls.js';
import { createResultBackend, createTransport, defaultBackendUrl } from './urls.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, connectPair } from './connect.js';
import type { AppControl } from './app-control.js';
import { createAppEvents, type AppEvents } from './app-events.js';
import { createAppControl } from './app-control.js';
import { createBeatCoordination } from './beat-coordination.js';
import { controlKeyFromEnv, controlSigner } from './control-key.js';

/** Options of {@link createApp}. */
export interface AppOptions extends ConnectionOptions {
  /** Broker URL; default `$CELERIAC_BROKER_URL`, else `memory://` (no services needed). */
  broker?: string;
  /**
   * Result backend URL; default `$CELERIAC_RESULT_BACKEND`, else what the broker implies
   * (`memory://` → the same store, `redis://` → the same Redis, `amqp://` → `rpc://`).
   */
  backend?: string;
  /** Client settings shared by the app's client and its workers' follow-up sends. */
  defaultQueue?: ClientOptions['defaultQueue'];
  routes?: ClientOptions['routes'];
  queues?: ClientOptions['queues'];
  taskDefaults?: WorkerOptions['taskDefaults'];
  /**
   * The app's workers at start-up when the broker cannot be reached (Celery's
   * `broker_connection_retry_on_startup`, `broker_connection_max_retries`): retried, by
   * default 100 times, then the worker gives up.
   */
  brokerConnectionRetry?: WorkerOptions['brokerConnectionRetry'];
  /**
   * How long {@link App.client} waits for the broker and the result backend to connect
   * before it rejects with a `ConnectError` naming the one that did not answer; default
   * 10 s.
   */
  connectTimeoutMs?: number;
  /**
   * Periodic tasks (Celery's `beat_schedule`): entries by name, each `{ task, schedule,
   * args, kwargs, options }` where `schedule` is seconds, `crontab({…})`, a cron string
   * or a date. Run by {@link App.beat}, `celeriac beat` and `celeriac worker -B`.
   */
  beatSchedule?: BeatSchedule;
  /**
   * The cluster's control key (`docs/security.md`): with it, `app.control` signs every
   * request, so workers that require signatures run its changing commands. Default
   * `$CELERIAC_CONTROL_KEY`; at least 16 bytes.
   */
  controlKey?: ControlKey;
  /** IANA timezone of the beat's crontabs, cron strings and dates (Celery's `timezone`); default `UTC`. */
  timezone?: string;
}

/**
 * Options of {@link App.beat}: the beat options the app does not supply itself (its
 * client, the coordination on its broker, its `beatSchedule` and `timezone`).
 */
export type AppBeatOptions = Omit<
  BeatOptions,
  'client' | 'coordination' | 'ownCoordination' | 'schedule' | 'timezone'
> & {
  /**
   * Which beat: replicas with the same namespace on one broker elect one leader and share
   * the schedule state; default `celeriac`.
   */
  namespace?: string;
};

/** Options of {@link App.worker}: the worker options the app does not supply itself. */
export type AppWorkerOptions = Omit<WorkerOptions, 'transport' | 'backend' | 'tasks'>;

/** A task registered on an app: its typed producer plus the implementation workers run. */
export interface AppTask<C extends AnyTaskContract> {
  readonly name: string;
  readonly contract: C;
  readonly implementation: TaskImplementation;
  /** Send with positional arguments (Celery's `delay`). */
  delay(...args: ArgsOf<C>): Promise<AsyncResult<ResultOf<C>>>;
  /** Send with arguments, keyword arguments and options (Celery's `apply_async`). */
  applyAsync(
    args: ArgsOf<C>,
    kwargs?: KwargsOf<C>,
    options?: SendTaskOptions,
  ): Promise<AsyncResult<ResultOf<C>>>;
}

/**
 * A celeriac app. Close it (or `await using`) to close the connections it opened. Events
 * and documents: `app.on`, `app.publish` ({@link AppEvents}).
 */
export interface App extends AsyncDisposable, AppEvents {
  /** The broker URL in use (from the options, `$CELERIAC_BROKER_URL`, or `memory://`). */
  readonly brokerUrl: string;
  /** The result backend URL in use (given, `$CELERIAC_RESULT_BACKEND`, or implied). */
  readonly backendUrl: string;
  /** The options the app was created with (Celery's `app.conf`), as given. */
  readonly conf: Readonly<AppOptions>;
  /** Every task implementation registered with {@link App.task}. */
  readonly tasks: readonly TaskImplementation[];
  /** Register a task implementation and get its typed producer. */
  task<C extends AnyTaskContract>(
    contract: C,
    handler: TaskHandler<ArgsOf<C>, ResultOf<C>, KwargsOf<C>>,
    options?: ImplementTaskOptions,
  ): AppTask<C>;
  /**
   * The app's client (created and connected on first use, then shared). Rejects with a
   * `ConnectError` naming the broker or the backend and its URL when either cannot be
   * reached within `connectTimeoutMs`; the next call tries again.
   */
  client(): Promise<Client>;
  /**
   * Celery's `app.control`: inspect and command the workers — celeriac's and Python's —
   * on the app's connection (`await app.control.inspect({ timeoutMs: 1000 }).active()`,
   * `await app.control.rateLimit('proj.add', '10/m', { reply: true })`).
   */
  readonly control: AppControl;
  /** Send a task by name through the app's client (Celery's `send_task`). */
  sendTask<T = unknown>(
    name: string,
    args?: readonly unknown[],
    kwargs?: Record<string, unknown>,
    options?: SendTaskOptions,
  ): Promise<AsyncResult<T>>;
  /**
   * A worker for the app's tasks (consuming the app's `defaultQueue`, as Celery's worker
   * consumes `task_default_queue`, and the queues of the subscriptions whose handlers
   * `app.on` registered, unless `queues` says otherwise), on connections of its own (so a worker's broker
   * outage or shutdown never touches the app's client). Its connections close when it
   * stops. Start it with `start()`.
   */
  worker(options?: AppWorkerOptions): Promise<Worker>;
  /**
   * The queues {@link App.worker} consumes unless given `queues`: the default queue, the
   * queues of the subscriptions the app's handlers serve, and `celeriac.events` when the
   * app accepts publishes.
   */
  workerQueues(): string[];
  /**
   * A beat replica for the app's `beatSchedule` (not started: `await beat.start()`, or
   * run it as a worker's child with `beat.definition`), sending through the app's client,
   * and coordinating with every other replica of the namespace through the app's broker
   * (memory, Redis or RabbitMQ, chosen from the URL). It stops, and its coordination
   * connection closes, when the app closes.
   */
  beat(options?: AppBeatOptions): Promise<Beat>;
  /**
   * A new app with the same options and the tasks registered so far, on another broker
   * and/or result backend (what the CLI's `-b` and `--backend` do to an `--app`). A
   * backend not given is the app's own when it named one, else what the new broker
   * implies. A `controlKey` replaces the app's (the CLI's `--control-key-file`).
   */
  withConnection(urls: { broker?: string; backend?: string; controlKey?: ControlKey }): App;
  /** Close the client and every connection the app opened. Idempotent. */
  close(): Promise<void>;
}

const APP = Symbol.for('celeriac.app');

/** True when `value` is an {@link App} (used by the CLI to find the app in a module). */
export function isApp(value: unknown): value is App {
  return typeof value === 'object' && value !== null && APP in value;
}

/**
 * Create an app.
 *
 * @example
 * ```ts
 * const app = createApp({ broker: 'redis://127.0.0.1:6379/0' });
 * const add = app.task(addContract, (_ctx, a, b) => a + b);
 * const worker = await app.worker({ concurrency: 10 });
 * await worker.start();
 * console.log(await (await add.delay(2, 3)).get({ timeoutMs: 5000 }));
 * ```
 */
export function createApp(options: AppOptions = {}): App {
  const brokerUrl = options.broker ?? process.env['CELERIAC_BROKER_URL'] ?? 'memory://';
  const backendUrl =
    options.backend ?? process.env['CELERIAC_RESULT_BACKEND'] ?? defaultBackendUrl(brokerUrl);
  const tasks: TaskImplementation[] = [];
  const controlKey = options.controlKey ?? controlKeyFromEnv();
  const workers = new Set<Worker>();
  const beats = new Set<{ beat: Beat; coordination: BeatCoordination }>();
  let clientPromise: Promise<Client> | undefined;
  let closing: Promise<void> | undefined;
  const events = createAppEvents({
    client: () => app.client(),
    register: (implementation) => tasks.push(implementation),
    assertOpen: () => {
      if (closing) throw new ClosedError('celeriac app');
    },
  });

  const clientOptions = (transport: Transport, backend: ResultBackend): ClientOptions => {
    const o: ClientOptions = { transport, backend, ownTransport: true, ownBackend: true };
    if (options.defaultQueue !== undefined) o.defaultQueue = options.defaultQueue;
    if (options.routes !== undefined) o.routes = options.routes;
    if (options.queues !== undefined) o.queues = options.queues;
    if (controlKey !== undefined) o.control = { sign: controlSigner(controlKey) };
    return o;
  };

  const app: App & { [APP]: true } = {
    [APP]: true,
    brokerUrl,
    backendUrl,
    conf: options,
    tasks,
    control: createAppControl(() => app.client()),
    subscriptions: events.subscriptions,
    on: events.on,
    subscribe: events.subscribe,
    publish: events.publish,
    acceptPublishes: events.acceptPublishes,
    task(contract, handler, taskOptions) {
      if (closing) throw new ClosedError('celeriac app');
      const implementation = implementTask(contract, handler, taskOptions);
      tasks.push(implementation);
      const producer = async (): Promise<TaskProducer<typeof contract>> =>
        (await app.client()).task(contract);
      return {
        name: contract.name,
        contract,
        implementation,
        delay: async (...args) => (await producer()).delay(...args),
        applyAsync: async (args, kwargs, sendOptions) =>
          (await producer()).applyAsync(args, kwargs, sendOptions),
      };
    },
    client() {
      if (closing) return Promise.reject(new ClosedError('celeriac app'));
      if (!clientPromise) {
        const attempt = (async () => {
          const transport = await createTransport(brokerUrl, options);
          const backend = await createResultBackend(backendUrl, brokerUrl, options);
          const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
          await connectPair({ transport, backend, brokerUrl, backendUrl }, timeoutMs);
          const client = createClient(clientOptions(transport, backend));
          events.attach(client);
          return client;
        })();
        clientPromise = attempt;
        // A failed connect is not kept (the caller gets the error): the next call tries again.
        attempt.then(undefined, () => {
          if (clientPromise === attempt) clientPromise = undefined;
        });
      }
      return clientPromise;
    },
    async sendTask(name, args, kwargs, sendOptions) {
      return (await app.client()).sendTask(name, args, kwargs, sendOptions);
    },
    workerQueues() {
      return [...new Set([options.defaultQueue ?? 'celery', ...events.servedQueues(tasks)])];
    },
    async worker(workerOptions = {}) {
      if (closing) throw new ClosedError('celeriac app');
      const transport = await createTransport(brokerUrl, options);
      const backend = await createResultBackend(backendUrl, brokerUrl, options);
      const taskDefaults = { ...options.taskDefaults, ...workerOptions.taskDefaults };
      const worker = createWorker({
        ...(options.queues ? { queueDeclarations: options.queues } : {}),
        ...(options.brokerConnectionRetry
          ? { brokerConnectionRetry: options.brokerConnectionRetry }
          : {}),
        ...(options.defaultQueue !== undefined ? { defaultQueue: options.defaultQueue } : {}),
        queues: app.workerQueues(),
        subscriptions: events.subscriptions,
        ...workerOptions,
        // The app's control key (or $CELERIAC_CONTROL_KEY) is the workers' too, unless
        // the options turn remote control off or give their own.
        control:
          workerOptions.control === false
            ? false
            : {
                ...(controlKey !== undefined ? { key: controlKey } : {}),
                ...(typeof workerOptions.control === 'object' ? workerOptions.control : {}),
              },
        taskDefaults,
        transport,
        backend,
        tasks,
        // Connections of the worker's own: closed when it stops or crashes.
        ownTransport: true,
        ownBackend: true,
      });
      workers.add(worker);
      void worker.finished.then(() => workers.delete(worker));
      return worker;
    },
    async beat(beatOptions = {}) {
      if (closing) throw new ClosedError('celeriac app');
      const { namespace, ...rest } = beatOptions;
      const client = await app.client();
      const coordination = await createBeatCoordination(brokerUrl, {
        ...(namespace === undefined ? {} : { namespace }),
        connection: options,
      });
      const beat = createBeat({
        ...rest,
        client,
        coordination,
        // Closed by the app, after the beat stopped: a supervisor that restarts the beat
        // (a worker's -B) acquires it again.
        ownCoordination: false,
        schedule: options.beatSchedule ?? {},
        ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
      });
      beats.add({ beat, coordination });
      return beat;
    },
    withConnection(urls) {
      const other = createApp({
        ...options,
        broker: urls.broker ?? brokerUrl,
        ...(urls.backend !== undefined ? { backend: urls.backend } : {}),
        ...(urls.controlKey !== undefined ? { controlKey: urls.controlKey } : {}),
      });
      (other.tasks as TaskImplementation[]).push(...tasks);
      for (const subscription of events.subscriptions) other.subscribe(subscription);
      return other;
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...workers].map((w) => w.stop()));
        await Promise.allSettled([...beats].map(({ beat }) => beat.stop()));
        await Promise.allSettled([...beats].map(({ coordination }) => coordination.close()));
        if (clientPromise) {
          const client = await clientPromise.catch(() => undefined);
          await client?.close();
        }
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return app.close();
    },
  };
  return app;
}
