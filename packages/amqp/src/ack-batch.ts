/**
 * The acks of one consumer channel, sent once per turn of the event loop: the run of
 * settled deliveries from the oldest unsettled one as a single `basic.ack` with
 * `multiple`, and acks after a gap (a delivery still at work) one by one. One socket write
 * per ack was the largest single cost of a busy consumer (docs/performance.md). An ack is
 * sent by the end of the turn it was made in, or before its channel is closed on purpose
 * ({@link AckBatch.flush}).
 *
 * `multiple` acks every unacked delivery up to the tag on the channel, so the run stops at
 * the first delivery not settled yet: delivery tags grow in the order deliveries arrive.
 */
import type { Channel, Message } from 'amqplib';
import type { AmqpLogger } from './logger.js';

/** What the batch needs of its consumer channel. */
export interface AckChannel {
  readonly channel: Channel;
  /** False once the channel closed: the broker has requeued what was not acked. */
  readonly open: boolean;
}

/** The acks of one consumer channel (see the module comment). */
export class AckBatch {
  readonly #owner: AckChannel;
  readonly #logger: AmqpLogger;
  /** Delivery tags in arrival order; those before #head have been settled and passed. */
  #outstanding: number[] = [];
  #head = 0;
  /** Settled (acked or rejected) and not passed yet. */
  readonly #settled = new Set<number>();
  /** Acked and not sent yet. */
  readonly #unsent = new Set<number>();
  #scheduled = false;

  constructor(owner: AckChannel, logger: AmqpLogger) {
    this.#owner = owner;
    this.#logger = logger;
  }

  /** A delivery arrived on the channel. */
  delivered(tag: number): void {
    this.#outstanding.push(tag);
  }

  /** A delivery was settled otherwise (a reject the caller sent itself). */
  settled(tag: number): void {
    this.#settled.add(tag);
  }

  /** Ack `tag` by the end of this turn of the event loop. */
  ack(tag: number): void {
    this.#settled.add(tag);
    this.#unsent.add(tag);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Send the acks made so far (before the channel is closed on purpose). */
  flush(): void {
    this.#scheduled = false;
    let upTo: number | undefined;
    while (this.#head < this.#outstanding.length) {
      const tag = this.#outstanding[this.#head]!;
      if (!this.#settled.has(tag)) break;
      this.#head += 1;
      this.#settled.delete(tag);
      if (this.#unsent.delete(tag)) upTo = tag;
    }
    if (this.#head > 1_024 && this.#head * 2 > this.#outstanding.length) {
      this.#outstanding = this.#outstanding.slice(this.#head);
      this.#head = 0;
    }
    const single = [...this.#unsent];
    this.#unsent.clear();
    if (upTo === undefined && single.length === 0) return;
    if (!this.#owner.open) {
      const count = single.length + (upTo === undefined ? 0 : 1);
      this.#logger.warn(
        `${count} ack(s) not sent: the channel closed, so the broker has already requeued ` +
          'those messages for redelivery',
      );
      return;
    }
    try {
      if (upTo !== undefined) this.#owner.channel.ack(tagged(upTo), true);
      for (const tag of single) this.#owner.channel.ack(tagged(tag), false);
    } catch (error) {
      // The channel closed between the check and the send: same outcome as above.
      this.#logger.warn('acks not sent: the channel closed', { error });
    }
  }
}

/** amqplib's `ack` reads only the delivery tag of the message it is given. */
function tagged(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as Message;
}
