/**
 * Fanout over PUB/SUB as kombu does it (celery-wire.md §2.6): a queue bound to a fanout
 * exchange is fed by PSUBSCRIBE on `/<db>.<exchange>[/<key>]` rather than by a list.
 * Nothing is stored: a consumer that is not subscribed misses the message.
 */
import type { Redis } from 'ioredis';
import type { KombuKeys } from './kombu-keys.js';
import type { RedisSubscription } from './redis-subscription.js';

interface Target {
  subscription: RedisSubscription;
  queue: string;
  /** Recently seen delivery tags, so a message matching two patterns arrives once. */
  seen: Set<string>;
}

const TAG = /"delivery_tag": ?"([^"]+)"/g;

/**
 * The message's delivery tag, copied: a match is a slice that keeps the whole message
 * alive, and {@link Target.seen} holds 1,000 tags (at 1,000 tasks/s with events on, about
 * 8 MB of event batches kept only for their tags).
 */
function tagOf(raw: string): string {
  let last: string | undefined;
  for (const match of raw.matchAll(TAG)) last = match[1];
  return last === undefined ? raw : (' ' + last).slice(1);
}

/** One subscriber connection shared by every fanout queue a transport consumes. */
export class FanoutListener {
  readonly #keys: KombuKeys;
  readonly #create: () => Redis;
  #client: Redis | undefined;
  /** pattern → targets */
  readonly #patterns = new Map<string, Target[]>();

  constructor(keys: KombuKeys, create: () => Redis) {
    this.#keys = keys;
    this.#create = create;
  }

  #connection(): Redis {
    if (!this.#client) {
      const client = this.#create();
      client.on('pmessage', (pattern: string, _channel: string, raw: string) => {
        for (const target of this.#patterns.get(pattern) ?? []) {
          const tag = tagOf(raw);
          if (target.seen.has(tag)) continue;
          target.seen.add(tag);
          if (target.seen.size > 1000) target.seen.delete(target.seen.values().next().value!);
          target.subscription.deliverFanout(target.queue, raw);
        }
      });
      this.#client = client;
    }
    return this.#client;
  }

  /** Feed `queue` of `subscription` from a fanout exchange; resolves once subscribed. */
  async add(
    subscription: RedisSubscription,
    queue: string,
    exchange: string,
    bindingKey: string,
  ): Promise<void> {
    const client = this.#connection();
    const existing = [...this.#patterns.values()]
      .flat()
      .find((t) => t.subscription === subscription && t.queue === queue);
    const target: Target = existing ?? { subscription, queue, seen: new Set() };
    const fresh: string[] = [];
    for (const pattern of this.#keys.fanoutPatterns(exchange, bindingKey)) {
      const targets = this.#patterns.get(pattern) ?? [];
      if (targets.length === 0) fresh.push(pattern);
      if (!targets.includes(target)) targets.push(target);
      this.#patterns.set(pattern, targets);
    }
    if (fresh.length > 0) await client.psubscribe(...fresh);
  }

  /** Stop feeding a subscription's queues. */
  async remove(subscription: RedisSubscription): Promise<void> {
    const unused: string[] = [];
    for (const [pattern, targets] of this.#patterns) {
      const left = targets.filter((t) => t.subscription !== subscription);
      if (left.length === targets.length) continue;
      if (left.length === 0) {
        this.#patterns.delete(pattern);
        unused.push(pattern);
      } else this.#patterns.set(pattern, left);
    }
    if (unused.length > 0 && this.#client) {
      await this.#client.punsubscribe(...unused).catch(() => undefined);
    }
  }

  /** Close the subscriber connection. */
  close(): void {
    this.#patterns.clear();
    this.#client?.disconnect();
    this.#client = undefined;
  }
}
