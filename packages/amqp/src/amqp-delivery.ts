/**
 * A message handed to a consumer, tied to the channel it came on. AMQP delivery tags are
 * only meaningful on their own channel: once that channel is gone the broker has already
 * put the message back, so settling it is a logged no-op, never an ack on a new channel
 * (which would ack some *other* message, or close the channel with `PRECONDITION_FAILED`).
 */
import type { BrokerMessage, Delivery } from '@celeriac/protocol';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AckBatch } from './ack-batch.js';
import type { AmqpLogger } from './logger.js';
import { fromAmqpMessage } from './message-properties.js';

/** A consumer channel and what it still owes the broker. */
export interface ConsumerChannel {
  readonly channel: Channel;
  /** Number of the channel within the transport, so delivery tags stay unique across channels. */
  readonly serial: number;
  readonly generation: number;
  /** False once the channel closed (with its connection or by a channel error). */
  open: boolean;
  /** Deliveries handed out and not settled yet. */
  unsettled: number;
  /** Its acks, sent once per turn of the event loop (made with the first delivery). */
  acks?: AckBatch;
}

/** A {@link Delivery} received by `@celeriac/amqp`. */
export class AmqpDelivery implements Delivery {
  readonly message: BrokerMessage;
  readonly deliveryTag: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly queue: string;
  readonly redelivered: boolean;
  #settled = false;
  readonly #raw: ConsumeMessage;
  readonly #owner: ConsumerChannel;
  readonly #logger: AmqpLogger;
  readonly #onSettled: () => void;

  constructor(
    raw: ConsumeMessage,
    queue: string,
    owner: ConsumerChannel,
    logger: AmqpLogger,
    onSettled: () => void,
  ) {
    this.#raw = raw;
    this.#owner = owner;
    this.#logger = logger;
    this.#onSettled = onSettled;
    this.message = fromAmqpMessage(raw);
    this.deliveryTag = `${owner.serial}.${raw.fields.deliveryTag}`;
    this.exchange = raw.fields.exchange;
    this.routingKey = raw.fields.routingKey;
    this.queue = queue;
    this.redelivered = raw.fields.redelivered;
    owner.acks ??= new AckBatch(owner, logger);
    owner.acks.delivered(raw.fields.deliveryTag);
  }

  ack(): Promise<void> {
    this.#settle('ack', () => this.#owner.acks!.ack(this.#raw.fields.deliveryTag));
    return Promise.resolve();
  }

  reject(options: { requeue: boolean }): Promise<void> {
    this.#settle(options.requeue ? 'reject (requeue)' : 'reject', (channel) => {
      channel.reject(this.#raw, options.requeue);
      this.#owner.acks!.settled(this.#raw.fields.deliveryTag);
    });
    return Promise.resolve();
  }

  /** AMQP keeps unacked messages with their channel for as long as it lives: nothing to renew. */
  renew(): Promise<void> {
    return Promise.resolve();
  }

  #settle(what: string, send: (channel: Channel) => void): void {
    if (this.#settled) {
      // A second settle would make the broker close the channel (unknown delivery tag).
      this.#logger.warn(`${what} of delivery ${this.deliveryTag} ignored: it was already settled`, {
        queue: this.queue,
      });
      return;
    }
    this.#settled = true;
    this.#owner.unsettled--;
    try {
      if (!this.#owner.open) {
        this.#logger.warn(
          `${what} of delivery ${this.deliveryTag} ignored: the channel it came on has closed, ` +
            'so the broker has already requeued the message for redelivery',
          { queue: this.queue, taskId: this.message.properties.correlationId },
        );
        return;
      }
      try {
        send(this.#owner.channel);
      } catch (error) {
        // The channel closed between the check and the send: same outcome as above.
        this.#logger.warn(`${what} of delivery ${this.deliveryTag} not sent: the channel closed`, {
          queue: this.queue,
          error,
        });
      }
    } finally {
      this.#onSettled();
    }
  }
}
