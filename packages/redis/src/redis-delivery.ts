/**
 * A message taken from Redis and held in kombu's `unacked` hash until it is settled.
 */
import type { BrokerMessage, Delivery } from '@celeriac/protocol';
import { ConnectionLostError } from '@celeriac/protocol';
import { markRedelivered } from './envelope.js';
import type { AckTarget } from './ack-batcher.js';
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';
import { RestoreReason, recordRestored } from './telemetry.js';

/** Where a delivery stands. */
export const DeliveryState = {
  /** Taken and recorded in `unacked`; ack, reject or a restore will end it. */
  held: 'held',
  /** Acked, rejected, or put back when its transport closed. */
  settled: 'settled',
} as const;
/** One of the values of {@link DeliveryState}. */
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** What a delivery needs from its transport and subscription. */
export interface DeliveryHost {
  readonly keys: KombuKeys;
  /** The command connection; throws `ClosedError` once the transport is closed. */
  command(): ScriptedRedis;
  /** Called once when the delivery stops being held (capacity and bookkeeping). */
  released(delivery: RedisDelivery): void;
  /**
   * The ack failed (the delivery is released and settled for its consumer): the transport
   * acks it again later and renews it until then.
   */
  ackFailed(delivery: RedisDelivery): void;
  /**
   * Forget a held message (batched with the other acks of the same tick); calls
   * `ackSent()` once the ack is on the command connection.
   */
  ack(delivery: RedisDelivery): Promise<void>;
}

/** The facts of one delivery. */
export interface DeliveryInit {
  message: BrokerMessage;
  deliveryTag: string;
  exchange: string;
  routingKey: string;
  queue: string;
  redelivered: boolean;
  /** The envelope exactly as it was in the list (as Redis sent it, or decoded). */
  raw: string | Buffer;
  priority: number;
  /** False for fanout (PUB/SUB) deliveries: nothing is held in Redis for them. */
  tracked: boolean;
}

function lost(action: string, cause: unknown, then: string): ConnectionLostError {
  return new ConnectionLostError(`Could not ${action} a Redis delivery (${then})`, { cause });
}

/** A {@link Delivery} backed by kombu's ack emulation. */
export class RedisDelivery implements Delivery, AckTarget {
  readonly message: BrokerMessage;
  readonly deliveryTag: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly queue: string;
  readonly redelivered: boolean;
  /** The envelope as taken; turned into a string only if it is ever needed (a restore). */
  #raw: string | Buffer;
  readonly priority: number;
  readonly tracked: boolean;
  #state: DeliveryState = DeliveryState.held;
  /** Released once its ack was on the connection (before Redis confirmed it). */
  #releasedBySend = false;
  readonly #host: DeliveryHost;

  constructor(init: DeliveryInit, host: DeliveryHost) {
    this.message = init.message;
    this.deliveryTag = init.deliveryTag;
    this.exchange = init.exchange;
    this.routingKey = init.routingKey;
    this.queue = init.queue;
    this.redelivered = init.redelivered;
    this.#raw = init.raw;
    this.priority = init.priority;
    this.tracked = init.tracked;
    this.#host = host;
  }

  /** The envelope exactly as it was in the list. */
  get raw(): string {
    if (typeof this.#raw !== 'string') this.#raw = this.#raw.toString('utf8');
    return this.#raw;
  }

  /** Whether the delivery is still held. */
  get state(): DeliveryState {
    return this.#state;
  }

  async ack(): Promise<void> {
    if (this.#state !== DeliveryState.held) return;
    this.#state = DeliveryState.settled;
    if (!this.tracked) {
      this.#host.released(this);
      return;
    }
    try {
      await this.#host.ack(this);
    } catch (error) {
      // Still in `unacked`, but the task is done: the transport acks it again later (see
      // held-deliveries.ts), so it neither runs twice nor keeps its prefetch.
      if (!this.#releasedBySend) this.#host.released(this);
      this.#host.ackFailed(this);
      throw lost('ack', error, 'the ack is retried while the transport runs');
    }
  }

  /** The ack is on the command connection: the prefetch it held is free. */
  ackSent(): void {
    this.#releasedBySend = true;
    this.#host.released(this);
  }

  async reject(options: { requeue: boolean }): Promise<void> {
    if (!options.requeue) return this.ack();
    if (this.#state !== DeliveryState.held) return;
    this.#state = DeliveryState.settled;
    try {
      // kombu: restore with LPUSH (the back of the queue), flagged redelivered, then ack.
      if (this.tracked && (await this.restoreWith(this.#host.command(), 'L')) === 1) {
        recordRestored(this.queue, RestoreReason.requeue);
      }
    } catch (error) {
      // Still in `unacked`; released below, so no longer renewed: the visibility restore
      // requeues it.
      throw lost('requeue', error, 'the visibility timeout restores it');
    } finally {
      this.#host.released(this);
    }
  }

  async renew(): Promise<void> {
    if (this.#state !== DeliveryState.held || !this.tracked) return;
    try {
      await this.#host
        .command()
        .zadd(
          this.#host.keys.unackedIndexOf(this.queue),
          'XX',
          Date.now() / 1000,
          this.deliveryTag,
        );
    } catch (error) {
      throw lost('renew', error, 'the transport renews it on a timer too');
    }
  }

  /**
   * Put the message back into its queue's list (only if still held in Redis), flagged
   * redelivered: `L` pushes to the back (reject), `R` to the front (shutdown restore).
   */
  restoreWith(redis: ScriptedRedis, side: 'L' | 'R'): Promise<number> {
    const keys = this.#host.keys;
    const destination = keys.queueKey(this.queue, this.priority);
    return redis.celeriacRestore(
      [keys.unackedOf(this.queue), keys.unackedIndexOf(this.queue), destination],
      this.deliveryTag,
      markRedelivered(this.raw),
      side,
      '+inf',
    );
  }

  /** Mark settled without touching Redis (the transport put it back itself). */
  markSettled(): boolean {
    if (this.#state !== DeliveryState.held) return false;
    this.#state = DeliveryState.settled;
    this.#host.released(this);
    return true;
  }
}

/**
 * Put every delivery in `held` back at the front of its queue (kombu's
 * `restore_unacked` on close), flagged redelivered, and mark each settled. Returns the
 * errors of those that could not be put back.
 */
export async function restoreHeld(
  redis: ScriptedRedis,
  held: readonly RedisDelivery[],
): Promise<unknown[]> {
  const errors: unknown[] = [];
  await Promise.all(
    held.map(async (delivery) => {
      try {
        const restored = await delivery.restoreWith(redis, 'R');
        delivery.markSettled();
        if (restored === 1) recordRestored(delivery.queue, RestoreReason.shutdown);
      } catch (error) {
        errors.push(error);
      }
    }),
  );
  return errors;
}
