/**
 * Routing as kombu's virtual exchanges do it on Redis: the exchange *type* is local
 * knowledge (what this process declared), the bindings are shared sets in Redis.
 */
import type { Binding, ExchangeType } from '@celeriac/protocol';
import type { KombuKeys } from './kombu-keys.js';
import { topicMatches, topicPattern } from './topic-pattern.js';

/** The Redis commands routing needs. */
export interface RouterRedis {
  smembers(key: string): Promise<string[]>;
  sadd(key: string, member: string): Promise<number>;
}

/** Declared exchange types and this process's bindings. */
export class ExchangeRouter {
  readonly #keys: KombuKeys;
  readonly #types = new Map<string, ExchangeType>();
  readonly #defaultFanout: ReadonlySet<string>;
  /** Bindings made through this transport, replayed after a Redis restart. */
  readonly bindings: Binding[] = [];

  constructor(keys: KombuKeys, defaultFanout: readonly string[]) {
    this.#keys = keys;
    this.#defaultFanout = new Set(defaultFanout);
  }

  /** Remember an exchange's type (kombu keeps it in channel state, not in Redis). */
  declare(name: string, type: ExchangeType): void {
    this.#types.set(name, type);
  }

  /** The type of an exchange: declared, else fanout for Celery's broadcast ones, else direct. */
  typeOf(exchange: string): ExchangeType {
    return this.#types.get(exchange) ?? (this.#defaultFanout.has(exchange) ? 'fanout' : 'direct');
  }

  /** The binding set member kombu would write for a binding. */
  memberOf(binding: Binding): string {
    const pattern =
      this.typeOf(binding.exchange) === 'topic' ? topicPattern(binding.routingKey) : '';
    return this.#keys.bindingMember({
      routingKey: binding.routingKey,
      pattern,
      queue: binding.queue,
    });
  }

  /** Record a binding in Redis (SADD, as kombu's `_queue_bind`) and locally. */
  async bind(redis: RouterRedis, binding: Binding): Promise<void> {
    await redis.sadd(this.#keys.bindingKey(binding.exchange), this.memberOf(binding));
    if (!this.bindings.some((b) => sameBinding(b, binding))) this.bindings.push({ ...binding });
  }

  /** Forget this transport's bindings of a deleted queue. */
  forgetQueue(queue: string): void {
    const kept = this.bindings.filter((b) => b.queue !== queue);
    this.bindings.splice(0, this.bindings.length, ...kept);
  }

  /** Fanout exchanges (with binding keys) a queue is bound to through this transport. */
  fanoutBindingsOf(queue: string): Binding[] {
    return this.bindings.filter((b) => b.queue === queue && this.typeOf(b.exchange) === 'fanout');
  }

  /** Whether a queue receives anything through lists (false for fanout-only queues). */
  usesLists(queue: string): boolean {
    const mine = this.bindings.filter((b) => b.queue === queue);
    return mine.length === 0 || mine.some((b) => this.typeOf(b.exchange) !== 'fanout');
  }

  /** Queues a direct/topic (or, for restore, fanout) exchange routes `routingKey` to. */
  async lookup(redis: RouterRedis, exchange: string, routingKey: string): Promise<string[]> {
    if (!exchange) return [routingKey];
    const type = this.typeOf(exchange);
    const members = await redis.smembers(this.#keys.bindingKey(exchange));
    const queues = new Set<string>();
    for (const raw of members) {
      const member = this.#keys.parseBindingMember(raw);
      if (!member) continue;
      const match =
        type === 'fanout' ||
        (type === 'topic'
          ? topicMatches(member.routingKey, routingKey)
          : member.routingKey === routingKey);
      if (match) queues.add(member.queue);
    }
    return [...queues];
  }
}

function sameBinding(a: Binding, b: Binding): boolean {
  return a.queue === b.queue && a.exchange === b.exchange && a.routingKey === b.routingKey;
}
