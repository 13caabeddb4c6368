/**
 * A consumer of one or more queues on a channel of its own, re-established by itself
 * after its channel or connection is lost — the same queues, prefetch and handler — so a
 * worker never silently stops consuming after an outage.
 */
import type { Delivery, Subscription } from '@celeriac/protocol';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { LiveConnection } from './amqp-connection.js';
import { AmqpDelivery } from './amqp-delivery.js';
import type { ConsumerChannel } from './amqp-delivery.js';
import type { BackoffOptions } from './backoff.js';
import { backoffDelay } from './backoff.js';
import { oneLine } from './connection-errors.js';
import type { AmqpLogger } from './logger.js';

/** What a subscription needs from its transport. */
export interface SubscriptionHost {
  readonly logger: AmqpLogger;
  readonly backoff: BackoffOptions;
  /** The live connection, or undefined while there is none. */
  live(): LiveConnection | undefined;
  nextChannelSerial(): number;
  /**
   * True to apply prefetch to the whole channel (basic.qos global, which RabbitMQ lets a
   * consumer change live, as Celery does); false for quorum queues, which refuse it.
   */
  channelWideQos(queues: readonly string[]): boolean;
  /** The subscription was cancelled: stop restoring it. */
  forget(subscription: AmqpSubscription): void;
  /**
   * Declare `queue` again as the transport declared it (the broker deleted it under a
   * consumer); false when the transport never declared it.
   */
  redeclare(live: LiveConnection, queue: string): Promise<boolean>;
}

/** Lifecycle of a subscription. */
export const SubscriptionState = {
  active: 'active',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
} as const;
/** One of the values of {@link SubscriptionState}. */
export type SubscriptionState = (typeof SubscriptionState)[keyof typeof SubscriptionState];

interface Consumers extends ConsumerChannel {
  /** queue → consumer tag. */
  readonly tags: Map<string, string>;
  readonly channelWide: boolean;
  /** Replaced by a newer channel: close once its deliveries are settled. */
  retired: boolean;
}

/** A running consumer of `@celeriac/amqp`; see {@link Subscription}. */
export class AmqpSubscription implements Subscription {
  #state: SubscriptionState = SubscriptionState.active;
  #prefetch: number;
  #current: Consumers | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartAttempt = 0;
  #swaps = 0;
  /** Queues whose consumer the broker cancelled: declared again before consuming them. */
  readonly #vanished = new Set<string>();
  /** Failed restarts in a row; only the first is logged as a warning. */
  #failures = 0;
  #ops: Promise<void> = Promise.resolve();
  #cancelling: Promise<void> | undefined;
  readonly #host: SubscriptionHost;
  readonly #queues: readonly string[];
  readonly #onMessage: (delivery: Delivery) => void;
  readonly #consumerTag: string | undefined;

  constructor(
    host: SubscriptionHost,
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    prefetch: number,
    consumerTag?: string,
  ) {
    this.#host = host;
    this.#queues = [...queues];
    this.#onMessage = onMessage;
    this.#prefetch = prefetch;
    this.#consumerTag = consumerTag;
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  get queues(): readonly string[] {
    return this.#queues;
  }

  /** Open a channel on `live` and consume every queue. Throws when the broker refuses. */
  start(live: LiveConnection): Promise<void> {
    // Serialized with prefetch changes, and a second start for the same connection is a no-op.
    const run = this.#ops.then(() => this.#start(live));
    this.#ops = run.catch(() => undefined);
    return run;
  }

  async #start(live: LiveConnection): Promise<void> {
    if (this.#state !== SubscriptionState.active) return;
    const current = this.#current;
    if (current?.open === true && current.generation === live.generation) return;
    const channel = await live.model.createChannel();
    const consumers: Consumers = {
      channel,
      serial: this.#host.nextChannelSerial(),
      generation: live.generation,
      open: true,
      unsettled: 0,
      tags: new Map(),
      channelWide: this.#host.channelWideQos(this.#queues),
      retired: false,
    };
    channel.on('error', (error: Error) => {
      this.#host.logger.warn(`consumer channel of ${this.#queues.join(', ')} failed`, { error });
    });
    channel.on('close', () => this.#onChannelClosed(consumers));
    try {
      for (const queue of [...this.#vanished]) {
        if (await this.#host.redeclare(live, queue)) {
          this.#host.logger.warn(`declared ${queue} again: the broker had deleted it`);
        }
        this.#vanished.delete(queue);
      }
      if (this.#prefetch > 0) await channel.prefetch(this.#prefetch, consumers.channelWide);
      for (const queue of this.#queues) await this.#consumeQueue(consumers, queue);
    } catch (error) {
      consumers.open = false;
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.#current = consumers;
    this.#restartAttempt = 0;
  }

  /** `start`, and on failure try again later with backoff (the queue may come back). */
  async resume(live: LiveConnection): Promise<void> {
    try {
      await this.start(live);
      if (this.#failures > 0) {
        this.#host.logger.warn(`consuming ${this.#queues.join(', ')} again`);
      }
      this.#failures = 0;
    } catch (error) {
      // A queue someone else declared may come back later: retry with backoff, quietly
      // after the first report.
      const line = `could not consume ${this.#queues.join(', ')}: ${oneLine(error)}; retrying`;
      if (++this.#failures === 1) this.#host.logger.warn(line);
      else this.#host.logger.debug?.(line);
      this.#scheduleRestart();
    }
  }

  async #consumeQueue(consumers: Consumers, queue: string): Promise<void> {
    const index = this.#queues.indexOf(queue);
    let tag: string | undefined;
    if (this.#consumerTag !== undefined) {
      tag =
        this.#consumerTag +
        (index > 0 ? `.${index}` : '') +
        (this.#swaps > 0 ? `.v${this.#swaps}` : '');
    }
    const reply = await consumers.channel.consume(
      queue,
      (raw) => this.#onRaw(consumers, queue, raw),
      tag === undefined ? {} : { consumerTag: tag },
    );
    consumers.tags.set(queue, reply.consumerTag);
  }

  #onRaw(consumers: Consumers, queue: string, raw: ConsumeMessage | null): void {
    if (raw === null) {
      // basic.cancel from the broker: the queue was deleted (or its node went away).
      consumers.tags.delete(queue);
      if (this.#state !== SubscriptionState.active) return;
      this.#vanished.add(queue);
      this.#host.logger.warn(`the broker cancelled the consumer of ${queue}; restoring it`);
      this.#scheduleRestart(consumers);
      return;
    }
    if (this.#state !== SubscriptionState.active) {
      // Arrived between basic.cancel and cancel-ok: give it straight back.
      consumers.channel.nack(raw, false, true);
      return;
    }
    consumers.unsettled++;
    const delivery = new AmqpDelivery(raw, queue, consumers, this.#host.logger, () =>
      this.#onSettled(consumers),
    );
    try {
      this.#onMessage(delivery);
    } catch (error) {
      this.#host.logger.warn(
        `the message handler of ${queue} threw; the delivery stays unsettled`,
        {
          error,
        },
      );
    }
  }

  #onSettled(consumers: Consumers): void {
    const retired = consumers.retired || this.#state !== SubscriptionState.active;
    if (!retired || consumers.unsettled > 0 || !consumers.open) return;
    consumers.acks?.flush();
    consumers.open = false;
    consumers.channel.close().catch(() => undefined);
  }

  #onChannelClosed(consumers: Consumers): void {
    consumers.open = false;
    if (this.#current === consumers) this.#current = undefined;
    if (this.#state !== SubscriptionState.active) return;
    // When the whole connection went, its reconnection restores this subscription.
    // Otherwise (a channel error) restore it here; decided after the connection's own
    // close event, which amqplib emits right after closing the channels.
    this.#scheduleRestart(consumers);
  }

  #scheduleRestart(broken?: Consumers): void {
    if (this.#restartTimer !== undefined || this.#state !== SubscriptionState.active) return;
    const delay = backoffDelay(++this.#restartAttempt, this.#host.backoff);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      const live = this.#host.live();
      if (live === undefined || this.#state !== SubscriptionState.active) return;
      if (broken !== undefined && broken.open) {
        // Only one consumer was cancelled: replace the whole channel so its unsettled
        // deliveries stay valid until they are settled, then the old channel is closed.
        this.#retire(broken);
      }
      void this.resume(live);
    }, delay);
    this.#restartTimer.unref?.();
  }

  #retire(consumers: Consumers): void {
    if (this.#current === consumers) this.#current = undefined;
    consumers.retired = true;
    for (const tag of consumers.tags.values()) consumers.channel.cancel(tag).catch(() => undefined);
    consumers.tags.clear();
    if (consumers.unsettled === 0) {
      consumers.acks?.flush();
      consumers.open = false;
      consumers.channel.close().catch(() => undefined);
    }
  }

  setPrefetch(prefetch: number): void {
    if (!Number.isInteger(prefetch) || prefetch < 0) {
      throw new RangeError(`prefetch must be a non-negative integer, got ${prefetch}`);
    }
    if (prefetch === this.#prefetch) return;
    this.#prefetch = prefetch;
    this.#ops = this.#ops
      .then(() => this.#applyPrefetch())
      .catch((error: unknown) => {
        this.#host.logger.warn(`changing the prefetch of ${this.#queues.join(', ')} failed`, {
          error,
        });
      });
  }

  async #applyPrefetch(): Promise<void> {
    const consumers = this.#current;
    if (consumers === undefined || !consumers.open || this.#state !== SubscriptionState.active)
      return;
    const channel: Channel = consumers.channel;
    const prefetch = this.#prefetch;
    if (consumers.channelWide) {
      await channel.prefetch(prefetch, true);
      return;
    }
    // Per-consumer QoS only applies to consumers started after it: start new consumers,
    // then cancel the old ones (their unsettled deliveries stay valid on this channel).
    await channel.prefetch(prefetch, false);
    this.#swaps++;
    for (const queue of this.#queues) {
      const old = consumers.tags.get(queue);
      await this.#consumeQueue(consumers, queue);
      if (old !== undefined) await channel.cancel(old);
    }
  }

  /** Stop consuming; unsettled deliveries stay valid, and the channel closes once they are settled. */
  cancel(): Promise<void> {
    this.#cancelling ??= this.#cancel();
    return this.#cancelling;
  }

  async #cancel(): Promise<void> {
    this.#state = SubscriptionState.cancelling;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#host.forget(this);
    await this.#ops;
    const consumers = this.#current;
    this.#current = undefined;
    if (consumers?.open === true) {
      // Acks made so far go out before the connection may close behind this cancel.
      consumers.acks?.flush();
      for (const tag of consumers.tags.values()) {
        await consumers.channel.cancel(tag).catch(() => undefined);
      }
      consumers.tags.clear();
      if (consumers.unsettled === 0) {
        consumers.acks?.flush();
        consumers.open = false;
        await consumers.channel.close().catch(() => undefined);
      }
    }
    this.#state = SubscriptionState.cancelled;
  }
}
