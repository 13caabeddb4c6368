/**
 * A consumer of Redis queues: atomic take by script, blocking waits that never consume,
 * prefetch, round-robin over queues, and fanout deliveries from PUB/SUB.
 *
 * The wait: Lua cannot block, and a blocking pop (BRPOP) would hold the message only in
 * this process's memory until it is recorded in `unacked` — a crash there loses it. So
 * each watched list gets `BLMOVE list list RIGHT RIGHT` on a blocking connection: it
 * returns as soon as the list is non-empty and puts the element back where it was,
 * consuming nothing. The take script then pops and records atomically.
 */
import type { Redis } from 'ioredis';
import type { Delivery, Subscription } from '@celeriac/protocol';
import { DecodeError } from '@celeriac/protocol';
import { decodeEnvelope } from './envelope.js';
import { KombuKeys } from './kombu-keys.js';
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
  /** Forget a held message (acks are batched per event-loop turn). */
  ack(tag: string): Promise<void>;
  /** A new blocking connection, closed by the subscription. */
  blockingClient(role: string): Redis;
  /** A delivery was handed out (held) or released. */
  track(delivery: RedisDelivery, held: boolean): void;
  /** Subscriptions report errors they recover from here. */
  reportError(error: unknown): void;
  /** Called when the subscription ends. */
  removed(subscription: RedisSubscription): void;
  malformed(message: MalformedMessage): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A running consumer over Redis lists (and fanout channels). */
export class RedisSubscription implements Subscription {
  readonly queues: readonly string[];
  /** Queues whose messages come from lists (not only from fanout channels). */
  readonly #listQueues: readonly string[];
  readonly #host: SubscriptionHost;
  readonly #onMessage: (delivery: Delivery) => void;
  #prefetch: number;
  #unsettled = 0;
  #active = true;
  #rotation = 0;
  #taking: Promise<void> | undefined;
  #capacityWake: (() => void) | undefined;
  readonly #waiters: { client: Redis; done: Promise<void> }[] = [];
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
    this.#host = host;
    this.queues = queues;
    this.#listQueues = listQueues;
    this.#onMessage = onMessage;
    this.#prefetch = prefetch;
    this.#deliveryHost = {
      keys: host.keys,
      command: () => host.command(),
      released: (delivery) => this.#released(delivery),
      ack: (tag) => host.ack(tag),
    };
  }

  /** Whether the subscription still delivers. */
  get active(): boolean {
    return this.#active;
  }

  /** Start the waits and take what is already there. */
  start(): void {
    for (const queue of this.#listQueues) {
      for (const key of this.#host.keys.queueKeys(queue)) {
        const client = this.#host.blockingClient('wait');
        this.#waiters.push({ client, done: this.#waitLoop(client, key) });
      }
    }
    void this.pump();
  }

  #capacity(): number {
    return this.#prefetch === 0 ? Infinity : this.#prefetch - this.#unsettled;
  }

  setPrefetch(prefetch: number): void {
    const before = this.#capacity();
    this.#prefetch = Math.max(0, Math.trunc(prefetch));
    if (before <= 0 && this.#capacity() > 0) this.#resume();
  }

  /** Take as many messages as capacity allows, until the lists are empty. */
  pump(): Promise<void> {
    if (!this.#active || this.#listQueues.length === 0) return Promise.resolve();
    this.#taking ??= this.#takeLoop().finally(() => {
      this.#taking = undefined;
    });
    return this.#taking;
  }

  async #takeLoop(): Promise<void> {
    const { keys, options } = this.#host;
    while (this.#active && this.#capacity() > 0) {
      const limit = Math.min(options.takeBatch, this.#capacity());
      // Round-robin: rotate the queue order after every take, as kombu's queue cycle.
      const n = this.#listQueues.length;
      const start = this.#rotation++ % n;
      const order = [...this.#listQueues.slice(start), ...this.#listQueues.slice(0, start)];
      const lists = keys.steps.flatMap((step) =>
        order.map((queue) => keys.prefix + (step ? `${queue}${keys.sep}${step}` : queue)),
      );
      let reply: unknown[];
      try {
        reply = await this.#host
          .command()
          .celeriacTake(
            [keys.unacked, keys.unackedIndex, ...lists],
            (Date.now() / 1000).toFixed(6),
            limit,
            n,
          );
      } catch (error) {
        if (!this.#active) return;
        this.#host.reportError(error);
        await sleep(200);
        continue;
      }
      const taken = this.#accept(reply, order);
      if (taken < limit) return;
    }
  }

  /** Turn the take script's reply into deliveries; returns how many messages it popped. */
  #accept(reply: unknown[], order: readonly string[]): number {
    let popped = 0;
    for (let i = 0; i + 2 < reply.length; i += 3) {
      popped++;
      const index = Number(reply[i]);
      const tag = String(reply[i + 1]);
      const raw = String(reply[i + 2]);
      const queue = order[(Math.abs(index) - 1) % order.length]!;
      const step = this.#host.keys.steps[Math.floor((Math.abs(index) - 1) / order.length)] ?? 0;
      if (index < 0) {
        this.#host.malformed({
          queue,
          raw,
          error: new DecodeError('', 'the Redis envelope is not a JSON object with properties'),
        });
        continue;
      }
      let decoded;
      try {
        decoded = decodeEnvelope(raw);
      } catch (error) {
        // Recorded in unacked but unusable: forget it so nobody restores it forever.
        this.#host.malformed({ queue, raw, error: error as Error });
        const { unacked, unackedIndex } = this.#host.keys;
        void this.#host
          .command()
          .celeriacAck(unacked, unackedIndex, tag)
          .catch((e: unknown) => this.#host.reportError(e));
        continue;
      }
      recordConsumed(queue);
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
    return popped;
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
    const before = this.#capacity();
    this.#unsettled--;
    this.#host.track(delivery, false);
    while (this.#active && this.#fanoutBacklog.length > 0 && this.#capacity() > 0) {
      this.#handOut(this.#fanoutBacklog.shift()!);
    }
    if (before <= 0 && this.#capacity() > 0) this.#resume();
  }

  #resume(): void {
    const wake = this.#capacityWake;
    this.#capacityWake = undefined;
    wake?.();
    void this.pump();
  }

  async #waitLoop(client: Redis, key: string): Promise<void> {
    const timeout = this.#host.options.pollTimeout;
    while (this.#active) {
      if (this.#capacity() <= 0) {
        await new Promise<void>((resolve) => {
          const previous = this.#capacityWake;
          this.#capacityWake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      try {
        // Returns the tail element and leaves it in place: a wake-up that consumes nothing.
        const found = await client.blmove(key, key, 'RIGHT', 'RIGHT', timeout);
        if (found !== null && this.#active) await this.pump();
      } catch (error) {
        if (!this.#active) return;
        this.#host.reportError(error);
        await sleep(100);
      }
    }
  }

  /** Stop delivering; held deliveries stay valid until settled or the transport closes. */
  cancel(): Promise<void> {
    this.#cancelling ??= this.#cancel();
    return this.#cancelling;
  }

  async #cancel(): Promise<void> {
    this.#active = false;
    this.#capacityWake?.();
    this.#capacityWake = undefined;
    for (const { client } of this.#waiters) client.disconnect();
    await Promise.allSettled(this.#waiters.map((w) => w.done));
    await this.#taking?.catch(() => undefined);
    this.#fanoutBacklog.length = 0;
    this.#host.removed(this);
  }
}
