/**
 * A delivery of the memory transport: one message handed to one consumer, settled once.
 */
import type { BrokerMessage, Delivery } from '@celeriac/protocol';
import type { MemoryQueue, QueueEntry } from './memory-queue.js';

/** How a delivery was settled. */
export const Settlement = {
  ack: 0,
  requeue: 1,
  drop: 2,
} as const;
/** One of the values of {@link Settlement}. */
export type Settlement = (typeof Settlement)[keyof typeof Settlement];

/** What settles a delivery: its consumer. */
export interface DeliverySettler {
  settle(delivery: MemoryDelivery, how: Settlement): Promise<void>;
  renew(delivery: MemoryDelivery): Promise<void>;
}

/** A message handed to a consumer of a `MemoryTransport`. */
export class MemoryDelivery implements Delivery {
  readonly message: BrokerMessage;
  readonly deliveryTag: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly queue: string;
  readonly redelivered: boolean;
  /** The queue's entry, put back on requeue. */
  readonly entry: QueueEntry;
  readonly source: MemoryQueue;
  /** Set once acked, rejected, or returned to the queue by a closing transport. */
  settled = false;
  readonly #settler: DeliverySettler;

  constructor(entry: QueueEntry, source: MemoryQueue, settler: DeliverySettler, tag: string) {
    this.entry = entry;
    this.source = source;
    this.message = entry.message;
    this.exchange = entry.exchange;
    this.routingKey = entry.routingKey;
    this.queue = source.name;
    this.redelivered = entry.redelivered;
    this.deliveryTag = tag;
    this.#settler = settler;
  }

  ack(): Promise<void> {
    return this.#settler.settle(this, Settlement.ack);
  }

  reject(options: { requeue: boolean }): Promise<void> {
    return this.#settler.settle(this, options.requeue ? Settlement.requeue : Settlement.drop);
  }

  renew(): Promise<void> {
    return this.#settler.renew(this);
  }
}
