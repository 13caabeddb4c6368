/**
 * The memory broker: an in-process AMQP-style virtual host that any number of
 * `MemoryTransport` connections share. It owns exchanges, queues and bindings, routes
 * published messages, and hands ready messages to consumers in batches on a microtask.
 */
import { PublishError, TransportError } from '@celeriac/protocol';
import type { Binding, BrokerMessage, ExchangeSpec, QueueSpec, Route } from '@celeriac/protocol';
import { cloneValue } from './clone.js';
import { MemoryExchange } from './memory-exchange.js';
import { MemoryQueue } from './memory-queue.js';
import type { QueueEntry } from './memory-queue.js';

/** Deliveries per dispatch round before yielding to I/O with `setImmediate`. */
const DISPATCH_BUDGET = 4096;

/** Options of {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /** Name for errors and logs (the `memory://<name>` host). */
  name?: string;
}

/**
 * An in-process message broker with AMQP semantics: direct, fanout and topic exchanges,
 * the default exchange, priority queues (higher first), message TTL, length limits and
 * dead-lettering.
 *
 * @example
 * ```ts
 * const broker = new MemoryBroker();
 * const producer = new MemoryTransport({ broker });
 * const consumer = new MemoryTransport({ broker });
 * ```
 */
export class MemoryBroker {
  readonly name: string;
  readonly #exchanges = new Map<string, MemoryExchange>();
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #dirty: MemoryQueue[] = [];
  #flushScheduled = false;
  #flushing = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.name = options.name ?? '';
  }

  /** Declare an exchange; again with the same type is harmless, another type throws. */
  declareExchange(spec: ExchangeSpec): void {
    if (spec.name === '') return;
    const existing = this.#exchanges.get(spec.name);
    if (existing) {
      if (existing.type !== spec.type) {
        throw new TransportError(
          `exchange ${JSON.stringify(spec.name)} is ${existing.type}, cannot redeclare it as ${spec.type}`,
        );
      }
      return;
    }
    this.#exchanges.set(spec.name, new MemoryExchange(spec.name, spec.type));
  }

  /** Declare a queue; declaring an existing one returns it unchanged. */
  declareQueue(spec: QueueSpec): MemoryQueue {
    let queue = this.#queues.get(spec.name);
    if (!queue) {
      queue = new MemoryQueue(spec);
      this.#queues.set(spec.name, queue);
    }
    return queue;
  }

  /** Bind a declared queue to a declared exchange. */
  bindQueue(binding: Binding): void {
    const queue = this.requireQueue(binding.queue);
    if (binding.exchange === '') return;
    const exchange = this.#exchanges.get(binding.exchange);
    if (!exchange) {
      throw new TransportError(
        `cannot bind to undeclared exchange ${JSON.stringify(binding.exchange)}`,
      );
    }
    exchange.bind(queue, binding.routingKey);
  }

  /** A declared queue, or undefined. */
  getQueue(name: string): MemoryQueue | undefined {
    return this.#queues.get(name);
  }

  /** A declared queue, or a `TransportError` naming it. */
  requireQueue(name: string): MemoryQueue {
    const queue = this.#queues.get(name);
    if (!queue) {
      throw new TransportError(
        `queue ${JSON.stringify(name)} is not declared on memory broker ${JSON.stringify(this.name)}`,
      );
    }
    return queue;
  }

  /** Delete a queue with its messages and bindings; unknown names are ignored. */
  deleteQueue(name: string): void {
    const queue = this.#queues.get(name);
    if (!queue) return;
    this.#queues.delete(name);
    queue.deleted = true;
    queue.purge();
    queue.consumers.length = 0;
    for (const exchange of this.#exchanges.values()) exchange.unbindQueue(queue);
  }

  /** Drop the ready messages of a queue; returns how many (0 for unknown queues). */
  purgeQueue(name: string): number {
    return this.#queues.get(name)?.purge() ?? 0;
  }

  /** Ready messages of a queue, expired ones excluded (0 for unknown queues). */
  queueLength(name: string): number {
    const queue = this.#queues.get(name);
    if (!queue) return 0;
    queue.reap((entry) => this.deadLetter(entry, queue));
    return queue.length;
  }

  /**
   * Route a copy of `message`; returns how many queues it reached (0: dropped, as
   * RabbitMQ drops unroutable messages).
   */
  publish(message: BrokerMessage, route: Route): number {
    let queues: readonly MemoryQueue[];
    if (route.exchange === '') {
      const queue = this.#queues.get(route.routingKey);
      if (!queue) return 0;
      queues = [queue];
    } else {
      const exchange = this.#exchanges.get(route.exchange);
      if (!exchange) {
        throw new PublishError(
          `exchange ${JSON.stringify(route.exchange)} is not declared on memory broker ${JSON.stringify(this.name)}`,
        );
      }
      queues = exchange.route(route.routingKey);
      if (queues.length === 0) return 0;
    }
    this.#enqueue(copyMessage(message), route, queues);
    return queues.length;
  }

  /** Dead-letter an entry rejected without requeue or expired, when its queue says where. */
  deadLetter(entry: QueueEntry, queue: MemoryQueue): void {
    const exchange = queue.spec.deadLetterExchange;
    if (exchange === undefined) return;
    const routingKey = queue.spec.deadLetterRoutingKey ?? entry.routingKey;
    // RabbitMQ strips the per-message TTL so the message does not expire again at once.
    const { expiration: _, ...properties } = entry.message.properties;
    const message = { ...entry.message, properties };
    const queues =
      exchange === ''
        ? [this.#queues.get(routingKey)].filter((q) => q !== undefined)
        : (this.#exchanges.get(exchange)?.route(routingKey) ?? []);
    if (queues.length > 0) this.#enqueue(message, { exchange, routingKey }, queues);
  }

  /** Ask for `queue` to be dispatched on the next flush (a microtask away). */
  schedule(queue: MemoryQueue): void {
    if (queue.scheduled || queue.deleted) return;
    queue.scheduled = true;
    this.#dirty.push(queue);
    if (!this.#flushScheduled && !this.#flushing) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  #enqueue(message: BrokerMessage, route: Route, queues: readonly MemoryQueue[]): void {
    for (const queue of queues) {
      const entry: QueueEntry = {
        message,
        exchange: route.exchange,
        routingKey: route.routingKey,
        level: queue.levelOf(message.properties.priority),
        expiresAt: queue.expiresAt(message),
        redelivered: false,
      };
      const dropped = queue.push(entry);
      if (dropped) this.deadLetter(dropped, queue);
      if (queue.consumers.length > 0) this.schedule(queue);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#flushing = true;
    let budget = DISPATCH_BUDGET;
    const dirty = this.#dirty;
    let index = 0;
    try {
      for (; index < dirty.length && budget > 0; index++) {
        const queue = dirty[index]!;
        queue.scheduled = false;
        if (queue.deleted) continue;
        const delivered = queue.dispatch(budget, (entry) => this.deadLetter(entry, queue));
        budget -= delivered;
        // Out of budget with work left: come back after I/O had its turn.
        if (budget <= 0 && queue.length > 0) this.schedule(queue);
      }
    } finally {
      dirty.splice(0, index);
      this.#flushing = false;
      if (dirty.length > 0 && !this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    }
  };
}

/** The broker's own copy of a message: publishers may reuse what they published. */
function copyMessage(message: BrokerMessage): BrokerMessage {
  const properties = { ...message.properties };
  if (properties.extra !== undefined) properties.extra = cloneValue(properties.extra);
  return {
    body: new Uint8Array(message.body),
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: cloneValue(message.headers),
    properties,
  };
}
