/**
 * A consumer of Redis queues: prefetch, deliveries from the take script (see
 * `list-taker.ts` for the take and the blocking waits), and fanout deliveries from
 * PUB/SUB.
 */
import type { Redis } from 'ioredis';
import type { Delivery, Subscription } from '@celeriac/protocol';
import { DecodeError } from '@celeriac/protocol';
import { decodeEnvelope } from './envelope.js';
import { decodeEnvelopeBuffer } from './envelope-buffer.js';
import { KombuKeys } from './kombu-keys.js';
import { ListTaker } from './list-taker.js';
import type { DeliveryHost } from './redis-delivery.js';
import { RedisDelivery } from './redis-delivery.js';
import type { ScriptedRedis } from './lua-scripts.js';
import { recordConsumed } from './telemetry.js';
import type { MalformedMessage, ResolvedTransportOptions } from './transport-options.js';

/** What a subscription needs from its transport. */
export interface SubscriptionHost {
  readonly keys: KombuKeys;
  readonly options: ResolvedTransportOptions;
  command(): ScriptedRedis;
  /** Forget a held message (acks of the same tick go out in one call). */
  ack(delivery: RedisDelivery): Promise<void>;
  /** A new blocking connection, closed by the subscription. */
  blockingClient(role: string): Redis;
  /** A delivery was handed out (held) or released. */
  track(delivery: RedisDelivery, held: boolean): void;
  /** The ack of a released delivery failed: ack it again later. */
  ackLater(delivery: RedisDelivery): void;
  /** Subscriptions report errors they recover from here. */
  reportError(error: unknown): void;
  /** Called when the subscription ends. */
  removed(subscription: RedisSubscription): void;
  malformed(message: MalformedMessage): void;
}

/** A running consumer over Redis lists (and fanout channels). */
export class RedisSubscription implements Subscription {
  readonly queues: readonly string[];
  readonly #host: SubscriptionHost;
  readonly #onMessage: (delivery: Delivery) => void;
  #prefetch: number;
  #unsettled = 0;
  #active = true;
  readonly #taker: ListTaker | undefined;
  readonly #fanoutBacklog: RedisDelivery[] = [];
  readonly #deliveryHost: DeliveryHost;
  #cancelling: Promise<void> | undefined;

  constructor(
    host: SubscriptionHost,
    queues: readonly string[],
    listQueues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    prefetch: number,
  ) {
    // `listQueues`: the queues whose messages come from lists (not only from fanout).
    this.#host = host;
    this.queues = queues;
    this.#onMessage = onMessage;
    this.#prefetch = prefetch;
    this.#deliveryHost = {
      keys: host.keys,
      command: () => host.command(),
      released: (delivery) => this.#released(delivery),
      ackFailed: (delivery) => host.ackLater(delivery),
      ack: (delivery) => host.ack(delivery),
    };
    this.#taker =
      listQueues.length === 0
        ? undefined
        : new ListTaker(
            {
              keys: host.keys,
              options: host.options,
              command: () => host.command(),
              blockingClient: (role) => host.blockingClient(role),
              reportError: (error) => host.reportError(error),
              prefetch: () => this.#prefetch,
              capacity: () => this.#capacity(),
              accept: (reply, order) => this.#accept(reply, order),
            },
            listQueues,
          );
  }

  /** Whether the subscription still delivers. */
  get active(): boolean {
    return this.#active;
  }

  /** Start the waits and take what is already there. */
  start(): void {
    this.#taker?.start();
  }

  #capacity(): number {
    return this.#prefetch === 0 ? Infinity : this.#prefetch - this.#unsettled;
  }

  setPrefetch(prefetch: number): void {
    this.#prefetch = Math.max(0, Math.trunc(prefetch));
    this.#taker?.capacityFreed();
  }

  /** Prefetch was just freed by acks on the command connection: take more right away. */
  takeFreed(): void {
    this.#taker?.fillNow();
  }

  /** Take as many messages as capacity allows; resolves once no take is in flight. */
  pump(): Promise<void> {
    if (!this.#active || !this.#taker) return Promise.resolve();
    return this.#taker.pump();
  }

  /** Turn the take script's reply into deliveries. */
  #accept(reply: unknown[], order: readonly string[]): void {
    // The consumed counter goes up once per queue run of a take, not once per message.
    let counting = '';
    let counted = 0;
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const index = Number(reply[i]);
      // Tags and envelopes come as Buffers (`celeriacTakeBuffer`): see envelope-buffer.ts.
      const tag = String(reply[i + 1]);
      const raw = reply[i + 2] as Buffer;
      const queue = order[(Math.abs(index) - 1) % order.length]!;
      const step = this.#host.keys.steps[Math.floor((Math.abs(index) - 1) / order.length)] ?? 0;
      if (index < 0) {
        this.#host.malformed({
          queue,
          raw: raw.toString('utf8'),
          error: new DecodeError('', 'the Redis envelope is not a JSON object with properties'),
        });
        continue;
      }
      let decoded;
      try {
        decoded = decodeEnvelopeBuffer(raw);
      } catch (error) {
        // Recorded in unacked but unusable: forget it so nobody restores it forever.
        this.#host.malformed({ queue, raw: raw.toString('utf8'), error: error as Error });
        const keys = this.#host.keys;
        void this.#host
          .command()
          .celeriacAck(keys.unackedOf(queue), keys.unackedIndexOf(queue), tag)
          .catch((e: unknown) => this.#host.reportError(e));
        continue;
      }
      if (queue !== counting) {
        if (counted > 0) recordConsumed(counting, counted);
        counting = queue;
        counted = 0;
      }
      counted++;
      const delivery = new RedisDelivery(
        {
          message: decoded.message,
          deliveryTag: tag,
          exchange: decoded.exchange,
          routingKey: decoded.routingKey,
          queue,
          redelivered: decoded.redelivered,
          raw,
          priority: KombuKeys.clampPriority(decoded.message.properties.priority ?? step),
          tracked: true,
        },
        this.#deliveryHost,
      );
      this.#handOut(delivery);
    }
    if (counted > 0) recordConsumed(counting, counted);
  }

  /** A message from a fanout channel for one of this subscription's queues. */
  deliverFanout(queue: string, raw: string): void {
    if (!this.#active) return;
    let decoded;
    try {
      decoded = decodeEnvelope(raw);
    } catch (error) {
      this.#host.malformed({ queue, raw, error: error as Error });
      return;
    }
    const delivery = new RedisDelivery(
      {
        message: decoded.message,
        deliveryTag: decoded.deliveryTag ?? `fanout-${Date.now()}`,
        exchange: decoded.exchange,
        routingKey: decoded.routingKey,
        queue,
        redelivered: false,
        raw,
        priority: 0,
        tracked: false,
      },
      this.#deliveryHost,
    );
    // PUB/SUB cannot be paused: hold what exceeds prefetch in memory, in order.
    if (this.#capacity() > 0 && this.#fanoutBacklog.length === 0) this.#handOut(delivery);
    else this.#fanoutBacklog.push(delivery);
  }

  #handOut(delivery: RedisDelivery): void {
    this.#unsettled++;
    this.#host.track(delivery, true);
    try {
      this.#onMessage(delivery);
    } catch (error) {
      this.#host.reportError(error);
    }
  }

  #released(delivery: RedisDelivery): void {
    this.#unsettled--;
    this.#host.track(delivery, false);
    while (this.#active && this.#fanoutBacklog.length > 0 && this.#capacity() > 0) {
      this.#handOut(this.#fanoutBacklog.shift()!);
    }
    this.#taker?.capacityFreed();
  }

  /** Stop delivering; held deliveries stay valid until settled or the transport closes. */
  cancel(): Promise<void> {
    this.#cancelling ??= this.#cancel();
    return this.#cancelling;
  }

  async #cancel(): Promise<void> {
    this.#active = false;
    await this.#taker?.stop();
    this.#fanoutBacklog.length = 0;
    this.#host.removed(this);
  }
}
