/**
 * One queue of the memory broker: ready messages by priority (higher first, like
 * RabbitMQ with `x-max-priority`), FIFO within a priority, optional message TTL and
 * length limit, and the consumers it hands messages to in turn.
 */
import type { BrokerMessage, QueueSpec } from '@celeriac/protocol';
import { Deque } from './deque.js';

/** A message copy held by one queue. */
export interface QueueEntry {
  readonly message: BrokerMessage;
  readonly exchange: string;
  readonly routingKey: string;
  /** Priority level within the queue (0 when the queue has no priorities). */
  readonly level: number;
  /** Absolute expiry time in ms, or 0 for none. */
  readonly expiresAt: number;
  /** Set once the entry has been delivered and came back. */
  redelivered: boolean;
}

/** What a queue hands ready messages to: a consumer of the memory transport. */
export interface QueueConsumer {
  /** Whether the consumer can take one more delivery now. */
  hasCapacity(): boolean;
  /** Take `entry` from `queue`. */
  deliver(entry: QueueEntry, queue: MemoryQueue): void;
}

/** A declared queue. */
export class MemoryQueue {
  readonly name: string;
  readonly spec: QueueSpec;
  /** Consumers in round-robin order. */
  readonly consumers: QueueConsumer[] = [];
  /** True once deleted: settlements of its deliveries no longer requeue. */
  deleted = false;
  /** Set while the queue waits in the broker's dispatch list. */
  scheduled = false;
  /** One deque per priority level, index = level. */
  readonly #levels: Deque<QueueEntry>[];
  #ready = 0;
  #next = 0;
  #hadConsumer = false;

  constructor(spec: QueueSpec) {
    this.name = spec.name;
    this.spec = { ...spec };
    const levels = spec.maxPriority ? Math.min(Math.max(spec.maxPriority, 1), 255) + 1 : 1;
    this.#levels = Array.from({ length: levels }, () => new Deque<QueueEntry>());
  }

  /** Ready messages, all priorities together. */
  get length(): number {
    return this.#ready;
  }

  /** The priority level of a message with `priority` in this queue. */
  levelOf(priority: number | undefined): number {
    const top = this.#levels.length - 1;
    if (top === 0 || priority === undefined || !(priority > 0)) return 0;
    return priority >= top ? top : Math.floor(priority);
  }

  /** Expiry of a message entering now: the queue TTL or the message's, whichever is first. */
  expiresAt(message: BrokerMessage): number {
    let ttl = this.spec.messageTtlMs;
    const expiration = message.properties.expiration;
    if (expiration !== undefined) {
      const perMessage = Number(expiration);
      if (Number.isFinite(perMessage) && (ttl === undefined || perMessage < ttl)) ttl = perMessage;
    }
    return ttl === undefined ? 0 : Date.now() + Math.max(ttl, 0);
  }

  /**
   * Append a ready entry; returns the entries pushed out by `maxLength` (drop-head, as
   * RabbitMQ's default overflow), which the broker dead-letters.
   */
  push(entry: QueueEntry): QueueEntry | undefined {
    this.#levels[entry.level]!.push(entry);
    this.#ready++;
    const max = this.spec.maxLength;
    if (max !== undefined && this.#ready > max) return this.shift();
    return undefined;
  }

  /** Put an entry back at the front of its priority (a requeue or a redelivery). */
  unshift(entry: QueueEntry): void {
    this.#levels[entry.level]!.unshift(entry);
    this.#ready++;
  }

  /**
   * Take the next entry: highest priority first, FIFO within it. With `onExpired`,
   * entries whose TTL passed are handed to it and skipped (RabbitMQ expires at the head).
   */
  shift(onExpired?: (entry: QueueEntry) => void): QueueEntry | undefined {
    for (let level = this.#levels.length - 1; level >= 0; level--) {
      const deque = this.#levels[level]!;
      while (deque.length > 0) {
        const entry = deque.shift()!;
        this.#ready--;
        if (onExpired && entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
          onExpired(entry);
          continue;
        }
        return entry;
      }
    }
    return undefined;
  }

  /** Remove expired entries at the head of each priority, handing them to `onExpired`. */
  reap(onExpired: (entry: QueueEntry) => void): void {
    let now = 0;
    for (const deque of this.#levels) {
      for (let head = deque.peek(); head && head.expiresAt !== 0; head = deque.peek()) {
        now ||= Date.now();
        if (head.expiresAt > now) break;
        deque.shift();
        this.#ready--;
        onExpired(head);
      }
    }
  }

  /** Drop every ready entry; returns how many. */
  purge(): number {
    const count = this.#ready;
    for (const deque of this.#levels) deque.clear();
    this.#ready = 0;
    return count;
  }

  /** Add a consumer at the end of the round-robin. */
  addConsumer(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.#hadConsumer = true;
  }

  /** Remove a consumer; true when the queue is auto-delete and now unused. */
  removeConsumer(consumer: QueueConsumer): boolean {
    const index = this.consumers.indexOf(consumer);
    if (index !== -1) this.consumers.splice(index, 1);
    if (this.#next >= this.consumers.length) this.#next = 0;
    return this.spec.autoDelete === true && this.#hadConsumer && this.consumers.length === 0;
  }

  /**
   * Hand ready entries to consumers with capacity, in turn, up to `budget` deliveries;
   * returns how many were delivered.
   */
  dispatch(budget: number, onExpired: (entry: QueueEntry) => void): number {
    let delivered = 0;
    while (delivered < budget && this.#ready > 0) {
      const consumer = this.#nextConsumer();
      if (!consumer) break;
      const entry = this.shift(onExpired);
      if (!entry) break;
      delivered++;
      consumer.deliver(entry, this);
    }
    return delivered;
  }

  #nextConsumer(): QueueConsumer | undefined {
    const count = this.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#next + i) % count;
      const consumer = this.consumers[index]!;
      if (consumer.hasCapacity()) {
        this.#next = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}
