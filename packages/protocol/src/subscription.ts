/**
 * Subscriptions: which task runs when an event or document is published. A subscription
 * is data — a topic (`order.created`) or pattern (`order.*`, `order.#`), the task to send
 * with the payload, and the subscription's own durable queue — so that every
 * subscription gets each message once and the workers on its queue share the load.
 *
 * On the wire a fanned-out message is a plain Celery task message: task = the
 * subscription's task, args = `[payload]`, queue = the subscription's queue, plus one
 * header, `celeriac_message`, saying which message it came from. A Python worker
 * subscribes by registering a task that takes the payload (it reads the header as
 * `self.request.celeriac_message` when it cares). The task id is derived from the message
 * id and the subscription name, so a fan-out that runs again (after a crash) sends the
 * same ids, and a subscriber can be idempotent on them.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';
import { z } from 'zod';
import type { AnyMessageContract, MessageKind, PayloadOf } from './message-contract.js';
import { defineTask, type TaskContract, type TaskContractOptions } from './task-contract.js';
import { assertTopic, compileTopic, type TopicMatcher } from './topic-pattern.js';

/**
 * The task a publisher without celeriac's client (a Python app) sends to have a message
 * fanned out: `celeriac.publish(name, payload)`, on {@link PUBLISH_QUEUE}. A celeriac
 * worker running the client's `publishBridge` publishes it to the subscriptions, with
 * the bridge task's id as the message id.
 */
export const PUBLISH_TASK = 'celeriac.publish';
/** The queue {@link PUBLISH_TASK} messages go to by convention. */
export const PUBLISH_QUEUE = 'celeriac.events';

/** The header a fanned-out task carries: which message, which subscription. */
export const MESSAGE_HEADER = 'celeriac_message';

/** The value of the {@link MESSAGE_HEADER} header. */
export interface MessageHeader {
  kind: MessageKind;
  /** The message's id (every subscription's task of one publish carries the same). */
  id: string;
  /** The event or document name it was published under. */
  name: string;
  /** The subscription this task is for. */
  subscription: string;
  /** When it was published, ISO 8601 UTC. */
  published: string;
}

/** Options of {@link defineSubscription}. */
export interface MessageSubscriptionOptions {
  /**
   * Unique among a client's subscriptions; default the task name. Give one when a task
   * subscribes twice (to two patterns).
   */
  name?: string;
  /** The subscription's own durable queue; default `celeriac.sub.<name>`. */
  queue?: string;
}

/** A declared subscription. */
export interface MessageSubscription {
  readonly name: string;
  /** The exact name or the pattern it matches. */
  readonly pattern: string;
  /** The task sent with `[payload]`. */
  readonly task: string;
  readonly queue: string;
  /** The task's contract, when given: the payload is checked against its `args` too. */
  readonly contract: TaskContract<readonly unknown[]> | undefined;
  /** Whether a message published under `name` reaches this subscription. */
  matches(name: string): boolean;
}

/**
 * Declare a subscription: `defineSubscription(orderCreated, sendEmail, { queue: 'email' })`,
 * `defineSubscription('order.*', 'analytics.record')`. A pattern matching no message is
 * allowed (it simply receives nothing). Throws `ValidationError` for a bad pattern, task
 * name or queue.
 */
export function defineSubscription(
  on: string | AnyMessageContract,
  task: string | TaskContract<readonly unknown[]>,
  options: MessageSubscriptionOptions = {},
): MessageSubscription {
  const pattern = assertTopic(typeof on === 'string' ? on : on.name, 'subscription pattern', true);
  const taskName = typeof task === 'string' ? task : task.name;
  const fail = (path: string, message: string): never => {
    throw new ValidationError(`Invalid subscription to ${pattern}`, [{ path, message }]);
  };
  if (typeof taskName !== 'string' || taskName === '') fail('task', 'expected a task name');
  const name = options.name ?? taskName;
  if (name === '' || name.length > 200) fail('name', 'expected 1 to 200 characters');
  const queue = options.queue ?? `celeriac.sub.${name}`;
  if (queue === '' || queue.length > 255) fail('queue', 'expected 1 to 255 characters');
  const matcher: TopicMatcher = compileTopic(pattern);
  return Object.freeze({
    name,
    pattern,
    task: taskName,
    queue,
    contract: typeof task === 'string' ? undefined : task,
    matches: (topic: string) => matcher(topic),
  });
}

/** The subscriptions a message published under `name` goes to, in declaration order. */
export function matchSubscriptions(
  subscriptions: Iterable<MessageSubscription>,
  name: string,
): MessageSubscription[] {
  return [...subscriptions].filter((s) => s.matches(name));
}

// A fixed namespace, so every process derives the same ids (RFC 9562 name-based, SHA-1).
const NAMESPACE = Buffer.from('5d1c0e4ab8f84c7e9a3f2b6d0c1e7f42', 'hex');

/**
 * The task id of `subscription`'s task for message `messageId`: a version-5 UUID of the
 * two, so the same message fanned out again gets the same ids.
 */
export function subscriptionTaskId(messageId: string, subscription: string): string {
  const hash = createHash('sha1')
    .update(NAMESPACE)
    .update(`${messageId}\n${subscription}`)
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The {@link MessageHeader} of a task's headers, when it came from a publish. */
export function readMessageHeader(headers: Record<string, unknown>): MessageHeader | undefined {
  const value = headers[MESSAGE_HEADER];
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const text = (key: string) => (typeof v[key] === 'string' ? v[key] : undefined);
  const kind = text('kind');
  const id = text('id');
  const name = text('name');
  const subscription = text('subscription');
  const published = text('published');
  if (
    (kind !== 'event' && kind !== 'document') ||
    id === undefined ||
    name === undefined ||
    subscription === undefined ||
    published === undefined
  ) {
    return undefined;
  }
  return { kind, id, name, subscription, published };
}

/**
 * A task contract for a subscriber of `message`: one positional argument, the payload,
 * checked against the message's schema. A worker that implements it validates every
 * delivery — including one published raw, without the client's check — and records a
 * payload that does not match as the task's failure, with the reason.
 *
 * @example
 * ```ts
 * const sendEmail = defineSubscriberTask('shop.email.order_confirmation', orderCreated);
 * defineSubscription(orderCreated, sendEmail, { queue: 'email' });
 * implementTask(sendEmail, (ctx, order) => mail(order.email)); // order is typed
 * ```
 */
export function defineSubscriberTask<
  C extends AnyMessageContract,
  R extends z.ZodType = z.ZodUnknown,
>(
  name: string,
  message: C,
  spec: { result?: R; options?: TaskContractOptions } = {},
): TaskContract<[PayloadOf<C>], Record<string, unknown>, z.output<R>> {
  const args = z.tuple([message.schema as z.ZodType<PayloadOf<C>>]);
  return defineTask(name, {
    args,
    ...(spec.result === undefined ? {} : { result: spec.result }),
    ...(spec.options === undefined ? {} : { options: spec.options }),
  });
}
