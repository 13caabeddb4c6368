/**
 * An exchange of the memory broker: its bindings and how it routes a key to queues
 * (direct: equal keys; fanout: every bound queue; topic: AMQP `*`/`#` patterns).
 */
import type { ExchangeType } from '@celeriac/protocol';
import type { MemoryQueue } from './memory-queue.js';
import { compileTopic, type TopicMatcher } from '@celeriac/protocol';

interface ExchangeBinding {
  readonly queue: MemoryQueue;
  readonly routingKey: string;
  readonly matches: TopicMatcher;
}

/** Routing results kept per key; cleared when bindings change or it grows past this. */
const ROUTE_CACHE_LIMIT = 1024;
const NO_QUEUES: readonly MemoryQueue[] = [];

/** A declared exchange. */
export class MemoryExchange {
  readonly name: string;
  readonly type: ExchangeType;
  readonly #bindings: ExchangeBinding[] = [];
  readonly #routes = new Map<string, readonly MemoryQueue[]>();

  constructor(name: string, type: ExchangeType) {
    this.name = name;
    this.type = type;
  }

  /** Bind `queue` with `routingKey`; binding the same pair again changes nothing. */
  bind(queue: MemoryQueue, routingKey: string): void {
    if (this.#bindings.some((b) => b.queue === queue && b.routingKey === routingKey)) return;
    const matches: TopicMatcher =
      this.type === 'topic' ? compileTopic(routingKey) : (key) => key === routingKey;
    this.#bindings.push({ queue, routingKey, matches });
    this.#routes.clear();
  }

  /** Remove every binding of `queue` (it was deleted). */
  unbindQueue(queue: MemoryQueue): void {
    for (let i = this.#bindings.length - 1; i >= 0; i--) {
      if (this.#bindings[i]!.queue === queue) this.#bindings.splice(i, 1);
    }
    this.#routes.clear();
  }

  /** The queues a message with `routingKey` goes to, each once. */
  route(routingKey: string): readonly MemoryQueue[] {
    const cached = this.#routes.get(routingKey);
    if (cached) return cached;
    const queues: MemoryQueue[] = [];
    for (const binding of this.#bindings) {
      if (queues.includes(binding.queue)) continue;
      if (this.type === 'fanout' || binding.matches(routingKey)) queues.push(binding.queue);
    }
    const result = queues.length === 0 ? NO_QUEUES : queues;
    if (this.#routes.size >= ROUTE_CACHE_LIMIT) this.#routes.clear();
    this.#routes.set(routingKey, result);
    return result;
  }
}
