/**
 * Events and documents on an app: `app.on(…)` declares a subscription — an event, a
 * document or a topic pattern, the task each matching message becomes, and that task's
 * own durable queue — and `app.publish(…)` fans a message out to every matching one,
 * through the app's client (`client.publish`). A handler given to `app.on` becomes a task
 * of the app, so the app's workers run it and consume its queue; a task name or contract
 * subscribes a task that runs elsewhere (another app, a Python worker).
 */
import {
  PUBLISH_QUEUE,
  PUBLISH_TASK,
  defineSubscriberTask,
  defineSubscription,
  type AnyMessageContract,
  type MessageSubscription,
  type MessageSubscriptionOptions,
  type PayloadOf,
  type TaskContract,
} from '@celeriac/protocol';
import { publishBridge, type Client, type Published, type PublishOptions } from '@celeriac/client';
import {
  implementTask,
  type ImplementTaskOptions,
  type TaskContext,
  type TaskImplementation,
} from '@celeriac/worker';

/** A subscription's handler: the task context and the message's payload. */
export type SubscriptionHandler<T = unknown, R = unknown> = (
  ctx: TaskContext,
  payload: T,
) => R | Promise<R>;

/** A task to subscribe: its name, its contract, or a task registered with `app.task`. */
export type SubscriberTask =
  | string
  | TaskContract<readonly unknown[]>
  | { readonly contract: TaskContract<readonly unknown[]> };

/** Options of `app.on`: the subscription's, and for a handler its task's. */
export interface AppOnOptions extends MessageSubscriptionOptions, ImplementTaskOptions {
  /**
   * For a handler: the name of the task it becomes (and of the subscription, unless
   * `name` is given); default the subscription's name, else `on.<event or pattern>`.
   */
  task?: string;
  /**
   * For a handler (a transformer): publish what it returns — unless `undefined` — as this
   * document or event, with the task's id as the message id, so that a redelivered
   * message republishes the same id (same task ids downstream).
   */
  emit?: AnyMessageContract;
}

/** The events and documents part of an app (see `createApp`). */
export interface AppEvents {
  /**
   * Subscribe to an event, a document, or a topic pattern (`shop.order.*` is one more
   * word, `shop.#` zero or more): every matching message published becomes one task for
   * this subscription, on its own durable queue (`queue`, default `celeriac.sub.<name>`),
   * so each subscription gets it once and the workers on its queue share the load.
   *
   * With a handler, the task is the app's: its workers run it and consume its queue
   * (unless given `queues`); given an event or document, the payload is checked against
   * its schema on receipt too, and a payload sent raw that fails is recorded as the
   * task's failure with the reason. With a task name or contract, the task runs wherever
   * it is implemented — another app or a Python worker. A pattern that matches nothing
   * is allowed and listed by `inspect subscriptions`. Names must be unique among the
   * app's subscriptions (`RangeError` otherwise: give `name`).
   *
   * @example
   * ```ts
   * const app = createApp({ broker: 'redis://127.0.0.1:6379/0' });
   * app.on(orderCreated, (_ctx, order) => mail(order.email), { queue: 'email' });
   * app.on('shop.order.*', (ctx, order) => toFacts(order), { emit: orderFacts });
   * app.on(orderCreated, 'py.sms.order_confirmation', { queue: 'sms' }); // a Python worker's
   * await (await app.worker()).start();
   * await app.publish(orderCreated, { orderId: 'A-1', email: 'ada@example.com' });
   * ```
   */
  on<C extends AnyMessageContract>(
    this: void,
    message: C,
    handler: SubscriptionHandler<PayloadOf<C>>,
    options?: AppOnOptions,
  ): MessageSubscription;
  on(
    this: void,
    pattern: string,
    handler: SubscriptionHandler,
    options?: AppOnOptions,
  ): MessageSubscription;
  on(
    this: void,
    messageOrPattern: string | AnyMessageContract,
    task: SubscriberTask,
    options?: MessageSubscriptionOptions,
  ): MessageSubscription;
  /** Add a subscription declared with `defineSubscription` (a shared list, say). */
  subscribe(this: void, subscription: MessageSubscription): MessageSubscription;
  /**
   * Publish an event or document to every matching subscription, through the app's
   * client: the payload is checked first (`ValidationError`, nothing sent); `dedupKey`
   * publishes at most once per key within `dedupTtl` (not on `rpc://`:
   * `DedupUnsupportedError`). See `client.publish`.
   */
  publish<C extends AnyMessageContract>(
    this: void,
    message: C,
    payload: PayloadOf<C>,
    options?: PublishOptions,
  ): Promise<Published>;
  /**
   * Accept events and documents from publishers without celeriac's client — a Python app:
   * `app.send_task('celeriac.publish', args=[name, payload], queue='celeriac.events')`.
   * Registers the `celeriac.publish` task (late acknowledgement: a worker that dies
   * half-way through a fan-out leaves it to be delivered again, and the same message id
   * sends the same task ids), which fans each message out to the app's subscriptions
   * with the task's id as the message id; the app's workers consume `queue` (default
   * `celeriac.events`). With `contracts`, only their names are accepted and payloads are
   * checked against their schemas: anything else is the task's failure, with the reason.
   */
  acceptPublishes(
    this: void,
    options?: { contracts?: readonly AnyMessageContract[]; queue?: string },
  ): void;
  /** The app's subscriptions, in the order added (what `inspect subscriptions` lists). */
  readonly subscriptions: readonly MessageSubscription[];
}

/** What the events part needs from its app. */
export interface AppEventsHost {
  client(): Promise<Client>;
  /** Register a handler's task on the app. */
  register(implementation: TaskImplementation): void;
  /** Throw if the app is closing. */
  assertOpen(): void;
}

/** The app's events part, plus what `createApp` wires: clients and workers. */
export interface AppEventsPart extends AppEvents {
  /** Keep `client` subscribed to every subscription, now and later. */
  attach(client: Client): void;
  /**
   * The queues of the subscriptions whose task is one of `tasks` (a worker serves them),
   * and the `celeriac.publish` queue when the app accepts publishes.
   */
  servedQueues(tasks: readonly TaskImplementation[]): string[];
}

/** Make the events part of an app. */
export function createAppEvents(host: AppEventsHost): AppEventsPart {
  const subscriptions: MessageSubscription[] = [];
  const clients = new Set<Client>();
  let bridgeQueue: string | undefined;

  const add = (subscription: MessageSubscription): MessageSubscription => {
    host.assertOpen();
    const held = subscriptions.find((s) => s.name === subscription.name);
    if (held === subscription) return subscription;
    if (held) {
      throw new RangeError(
        `a subscription named ${JSON.stringify(subscription.name)} exists (${held.pattern} → ` +
          `${held.task}); give the new one (${subscription.pattern} → ${subscription.task}) ` +
          'its own name',
      );
    }
    subscriptions.push(subscription);
    for (const client of clients) client.subscribe(subscription);
    return subscription;
  };

  const onHandler = (
    on: string | AnyMessageContract,
    handler: SubscriptionHandler,
    options: AppOnOptions,
  ): MessageSubscription => {
    const { name, queue, task, emit, ...taskOptions } = options;
    const pattern = typeof on === 'string' ? on : on.name;
    const subscriptionName = name ?? task ?? `on.${pattern}`;
    const taskName = task ?? subscriptionName;
    const run: SubscriptionHandler = emit
      ? async (ctx, payload) => {
          const out = await handler(ctx, payload);
          if (out !== undefined) {
            await (await host.client()).publish(emit, out as never, { messageId: ctx.taskId });
          }
          return out;
        }
      : handler;
    const subscription = defineSubscription(on, taskName, {
      name: subscriptionName,
      ...(queue === undefined ? {} : { queue }),
    });
    // Everything checked before anything is kept: a refused subscription leaves no task.
    const implementation =
      typeof on === 'string'
        ? implementTask(taskName, run, taskOptions)
        : implementTask(defineSubscriberTask(taskName, on), run, taskOptions);
    add(subscription);
    host.register(implementation);
    return subscription;
  };

  return {
    subscriptions,
    on(
      on: string | AnyMessageContract,
      target: SubscriberTask | SubscriptionHandler<never>,
      options: AppOnOptions = {},
    ): MessageSubscription {
      if (typeof target === 'function') {
        return onHandler(on, target as SubscriptionHandler, options);
      }
      const task = typeof target === 'string' || !('contract' in target) ? target : target.contract;
      const { name, queue } = options;
      return add(
        defineSubscription(on, task, {
          ...(name === undefined ? {} : { name }),
          ...(queue === undefined ? {} : { queue }),
        }),
      );
    },
    subscribe: add,
    async publish(message, payload, options) {
      return (await host.client()).publish(message, payload, options);
    },
    acceptPublishes(options = {}) {
      host.assertOpen();
      if (bridgeQueue !== undefined) {
        throw new RangeError(`this app accepts publishes already, on ${bridgeQueue}`);
      }
      const publisher: Pick<Client, 'publish'> = {
        publish: async (
          message: AnyMessageContract | string,
          payload: unknown,
          o?: PublishOptions,
        ) => (await host.client()).publish(message as string, payload, o),
      };
      host.register(
        implementTask(PUBLISH_TASK, publishBridge(publisher, options.contracts), {
          acksLate: true,
        }),
      );
      bridgeQueue = options.queue ?? PUBLISH_QUEUE;
    },
    attach(client) {
      clients.add(client);
      for (const subscription of subscriptions) client.subscribe(subscription);
    },
    servedQueues(tasks) {
      const names = new Set(tasks.map((t) => t.name));
      const queues = subscriptions.filter((s) => names.has(s.task)).map((s) => s.queue);
      if (bridgeQueue !== undefined && names.has(PUBLISH_TASK)) queues.push(bridgeQueue);
      return [...new Set(queues)];
    },
  };
}
