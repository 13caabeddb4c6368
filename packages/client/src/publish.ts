/**
 * Publishing events and documents: validate the payload against its contract, find the
 * subscriptions whose topic or pattern matches the name, and send one task per
 * subscription — task = the subscription's task, args = `[payload]`, queue = the
 * subscription's own queue, header `celeriac_message` naming the message — so every
 * subscription gets it once and a Python worker can be a subscriber with a plain task.
 * The task ids derive from the message id and the subscription, so publishing the same
 * message id again (a retry after a failure half-way) sends the same ids.
 */
import {
  MESSAGE_HEADER,
  MessageKind,
  assertTopic,
  formatIsoDate,
  matchSubscriptions,
  subscriptionTaskId,
  uuid4,
  type AnyMessageContract,
  type MessageHeader,
  type MessageSubscription,
  type ResultBackend,
} from '@celeriac/protocol';
import type { AsyncResult } from './async-result.js';
import { sendOnce, type DedupOptions } from './dedup.js';
import type { SendTaskOptions } from './send-options.js';
import type { SignalLogger } from './signal.js';

/** Options of `client.publish`: dedup, the message id, and options for every task sent. */
export interface PublishOptions
  extends
    DedupOptions,
    Pick<
      SendTaskOptions,
      | 'countdown'
      | 'eta'
      | 'expires'
      | 'priority'
      | 'headers'
      | 'ignoreResult'
      | 'compression'
      | 'retry'
      | 'retryPolicy'
      | 'deliveryMode'
      | 'timeLimit'
      | 'softTimeLimit'
      | 'signal'
    > {
  /** The message's id; default a random uuid4. The same id sends the same task ids. */
  messageId?: string;
}

/** One subscription's task of a publish. */
export interface PublishedTask {
  subscription: string;
  task: string;
  queue: string;
  result: AsyncResult;
}

/** What `client.publish` did. */
export interface Published {
  kind: MessageKind;
  name: string;
  /** The message id (the earlier publish's, when `duplicate`). */
  id: string;
  /** True when a publish with the same `dedupKey` came first: nothing was sent now. */
  duplicate: boolean;
  /** One per matching subscription; none when no subscription matches (allowed). */
  tasks: PublishedTask[];
}

/** The subscriptions a client publishes to, by unique name. */
export class SubscriptionRegistry {
  readonly #byName = new Map<string, MessageSubscription>();

  /** Start with `initial` (the client's `subscriptions` option). */
  constructor(initial: Iterable<MessageSubscription> = []) {
    for (const subscription of initial) this.add(subscription);
  }

  /** Add one; returns the function that removes it. Names must be unique. */
  add(subscription: MessageSubscription): () => void {
    const held = this.#byName.get(subscription.name);
    if (held && held !== subscription) {
      throw new RangeError(
        `a subscription named ${JSON.stringify(subscription.name)} exists (${held.pattern} → ` +
          `${held.task}); give the new one (${subscription.pattern} → ${subscription.task}) ` +
          'its own name',
      );
    }
    this.#byName.set(subscription.name, subscription);
    return () => {
      if (this.#byName.get(subscription.name) === subscription) {
        this.#byName.delete(subscription.name);
      }
    };
  }

  /** The subscriptions, in the order added. */
  list(): MessageSubscription[] {
    return [...this.#byName.values()];
  }
}

/** What a publish needs from its client. */
export interface PublishHost {
  backend: ResultBackend | undefined;
  logger: SignalLogger | undefined;
  subscriptions: SubscriptionRegistry;
  now(): Date;
  /** Send one task (the client's own send, with its routing, signing and telemetry). */
  send(name: string, args: unknown[], options: SendTaskOptions): Promise<AsyncResult>;
  /** A handle for a task id (for a duplicate publish). */
  handle(id: string, name: string): AsyncResult;
}

/** Publish `payload` as `message` (a contract, or a bare name: no schema check). */
export async function publishMessage(
  host: PublishHost,
  message: AnyMessageContract | string,
  payload: unknown,
  options: PublishOptions = {},
): Promise<Published> {
  const kind = typeof message === 'string' ? MessageKind.event : message.kind;
  const name = typeof message === 'string' ? assertTopic(message, 'event name') : message.name;
  const value: unknown = typeof message === 'string' ? payload : message.parse(payload);
  const targets = matchSubscriptions(host.subscriptions.list(), name);
  // Every subscriber's schema first: nothing is sent unless all accept the payload.
  for (const target of targets) target.contract?.parseArgs([value], {});
  const { messageId, dedupKey, dedupTtl, headers, ...sendOptions } = options;
  const id = messageId ?? uuid4();
  const published = formatIsoDate(host.now());
  const fanOut = () =>
    Promise.all(
      targets.map(async (target): Promise<PublishedTask> => {
        const header: MessageHeader = {
          kind,
          id,
          name,
          subscription: target.name,
          published,
        };
        const result = await host.send(target.task, [value], {
          ...sendOptions,
          taskId: subscriptionTaskId(id, target.name),
          queue: target.queue,
          headers: { ...headers, [MESSAGE_HEADER]: header },
        });
        return { subscription: target.name, task: target.task, queue: target.queue, result };
      }),
    );
  const dedup: DedupOptions = {
    ...(dedupKey === undefined ? {} : { dedupKey }),
    ...(dedupTtl === undefined ? {} : { dedupTtl }),
  };
  const outcome = await sendOnce(host.backend, dedup, id, fanOut, host.logger);
  if (outcome.sent) return { kind, name, id, duplicate: false, tasks: outcome.value };
  const tasks = targets.map((target) => ({
    subscription: target.name,
    task: target.task,
    queue: target.queue,
    result: host.handle(subscriptionTaskId(outcome.id, target.name), target.task),
  }));
  return { kind, name, id: outcome.id, duplicate: true, tasks };
}
