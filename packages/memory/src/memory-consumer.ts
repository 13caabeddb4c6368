/**
 * A consumer of the memory transport: takes deliveries from its queues while it has
 * prefetch capacity, and settles them (ack, requeue, drop).
 */
import { ClosedError, TransportError } from '@celeriac/protocol';
import type { Delivery, Subscription } from '@celeriac/protocol';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryDelivery, Settlement } from './memory-delivery.js';
import type { DeliverySettler } from './memory-delivery.js';
import type { MemoryQueue, QueueConsumer, QueueEntry } from './memory-queue.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** What a consumer needs from the transport that owns it. */
export interface ConsumerHost {
  readonly broker: MemoryBroker;
  /** False once the transport is closing: settlements then reject. */
  readonly open: boolean;
  nextTag(): string;
  /** Remember an unsettled delivery, returned to its queue if the transport closes. */
  track(delivery: MemoryDelivery): void;
  untrack(delivery: MemoryDelivery): void;
  /** An error thrown by the `onMessage` callback. */
  report(error: unknown): void;
  /** The consumer was cancelled. */
  forget(consumer: MemoryConsumer): void;
}

/** One `consume()` call: a subscription to one or more queues. */
export class MemoryConsumer implements QueueConsumer, DeliverySettler, Subscription {
  readonly queues: readonly MemoryQueue[];
  #prefetch: number;
  #unsettled = 0;
  #active = true;
  #rotation = 0;
  readonly #host: ConsumerHost;
  readonly #onMessage: (delivery: Delivery) => void;

  constructor(
    host: ConsumerHost,
    queues: readonly MemoryQueue[],
    onMessage: (delivery: Delivery) => void,
    prefetch: number,
  ) {
    this.#host = host;
    this.queues = queues;
    this.#onMessage = onMessage;
    this.#prefetch = normalizePrefetch(prefetch);
  }

  /** Register with the queues and start taking ready messages. */
  start(): void {
    for (const queue of this.queues) queue.addConsumer(this);
    this.#scheduleQueues();
  }

  hasCapacity(): boolean {
    return this.#active && (this.#prefetch === 0 || this.#unsettled < this.#prefetch);
  }

  deliver(entry: QueueEntry, queue: MemoryQueue): void {
    const delivery = new MemoryDelivery(entry, queue, this, this.#host.nextTag());
    this.#unsettled++;
    this.#host.track(delivery);
    try {
      this.#onMessage(delivery);
    } catch (error) {
      this.#host.report(error);
    }
  }

  settle(delivery: MemoryDelivery, how: Settlement): Promise<void> {
    if (delivery.settled) {
      return Promise.reject(
        this.#host.open
          ? new TransportError(`delivery ${delivery.deliveryTag} is already settled`)
          : new ClosedError('memory transport'),
      );
    }
    delivery.settled = true;
    this.#host.untrack(delivery);
    this.returned();
    const broker = this.#host.broker;
    if (how === Settlement.requeue) {
      const queue = delivery.source;
      if (!queue.deleted) {
        delivery.entry.redelivered = true;
        queue.unshift(delivery.entry);
        broker.schedule(queue);
      }
    } else if (how === Settlement.drop) {
      broker.deadLetter(delivery.entry, delivery.source);
    }
    return RESOLVED;
  }

  renew(delivery: MemoryDelivery): Promise<void> {
    if (delivery.settled && !this.#host.open) {
      return Promise.reject(new ClosedError('memory transport'));
    }
    return RESOLVED;
  }

  /** One of this consumer's deliveries is no longer unsettled. */
  returned(): void {
    this.#unsettled--;
    if (this.#active && this.#prefetch !== 0 && this.#unsettled === this.#prefetch - 1) {
      this.#scheduleQueues();
    }
  }

  setPrefetch(prefetch: number): void {
    this.#prefetch = normalizePrefetch(prefetch);
    if (this.#active) this.#scheduleQueues();
  }

  cancel(): Promise<void> {
    this.detach();
    return RESOLVED;
  }

  /** Stop receiving; unsettled deliveries stay valid. Idempotent. */
  detach(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const queue of this.queues) {
      if (queue.removeConsumer(this)) this.#host.broker.deleteQueue(queue.name);
    }
    this.#host.forget(this);
  }

  /** Ask the broker to dispatch each queue, starting one further each time (round-robin). */
  #scheduleQueues(): void {
    const count = this.queues.length;
    const start = this.#rotation++ % count;
    for (let i = 0; i < count; i++) this.#host.broker.schedule(this.queues[(start + i) % count]!);
  }
}

function normalizePrefetch(prefetch: number): number {
  if (!Number.isFinite(prefetch) || prefetch < 0) {
    throw new RangeError(`prefetch must be a non-negative number, got ${prefetch}`);
  }
  return Math.floor(prefetch);
}
