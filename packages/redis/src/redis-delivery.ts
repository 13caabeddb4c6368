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
  /** Called when an ack sent (and released) failed: the delivery is held again. */
  heldAgain(delivery: RedisDelivery): void;
  /**
   * Forget a held message (batched with other acks of the same event-loop turn); calls
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
  /** The envelope exactly as it was in the list. */
  raw: string;
  priority: number;
  /** False for fanout (PUB/SUB) deliveries: nothing is held in Redis for them. */
  tracked: boolean;
}

function lost(action: string, cause: unknown): ConnectionLostError {
  return new ConnectionLostError(`Could not ${action} a Redis delivery`, { cause });
}

/** A {@link Delivery} backed by kombu's ack emulation. */
export class RedisDelivery implements Delivery, AckTarget {
  readonly message: BrokerMessage;
  readonly deliveryTag: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly queue: string;
  readonly redelivered: boolean;
  readonly raw: string;
  readonly priority: number;
  readonly tracked: boolean;
  #state: DeliveryState = DeliveryState.held;
  /** Released by an ack sent but not yet confirmed. */
  #releasedBySend = false;
  readonly #host: DeliveryHost;

  constructor(init: DeliveryInit, host: DeliveryHost) {
    this.message = init.message;
    this.deliveryTag = init.deliveryTag;
    this.exchange = init.exchange;
    this.routingKey = init.routingKey;
    this.queue = init.queue;
    this.redelivered = init.redelivered;
    this.raw = init.raw;
    this.priority = init.priority;
    this.tracked = init.tracked;
    this.#host = host;
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
      // Still held in Redis: the caller may try again; until then it counts as held.
      this.#state = DeliveryState.held;
      if (this.#releasedBySend) {
        this.#releasedBySend = false;
        this.#host.heldAgain(this);
      }
      throw lost('ack', error);
    }
    this.#releasedBySend = false;
  }

  /** The ack is on the command connection: the prefetch it held is free. */
  ackSent(): void {
    this.#releasedBySend = true;
    this.#host.released(this);
  }

  async reject(options: { requeue: boolean }): Promise<void> {
    if (!options.requeue) return this.ack();
    // kombu: restore with LPUSH (the back of the queue), flagged redelivered, then ack.
    await this.#settle('requeue', async (redis) => {
      if ((await this.restoreWith(redis, 'L')) === 1) {
        recordRestored(this.queue, RestoreReason.requeue);
      }
    });
  }

  async renew(): Promise<void> {
    if (this.#state !== DeliveryState.held || !this.tracked) return;
    try {
      await this.#host
        .command()
        .zadd(this.#host.keys.unackedIndex, 'XX', Date.now() / 1000, this.deliveryTag);
    } catch (error) {
      throw lost('renew', error);
    }
  }

  /**
   * Put the message back into its queue's list (only if still held in Redis), flagged
   * redelivered: `L` pushes to the back (reject), `R` to the front (shutdown restore).
   */
  restoreWith(redis: ScriptedRedis, side: 'L' | 'R'): Promise<number> {
    const { unacked, unackedIndex } = this.#host.keys;
    const destination = this.#host.keys.queueKey(this.queue, this.priority);
    return redis.celeriacRestore(
      [unacked, unackedIndex, destination],
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

  async #settle(action: string, run: (redis: ScriptedRedis) => Promise<void>): Promise<void> {
    if (this.#state !== DeliveryState.held) return;
    this.#state = DeliveryState.settled;
    if (!this.tracked) {
      this.#host.released(this);
      return;
    }
    try {
      await run(this.#host.command());
    } catch (error) {
      // Still held in Redis: the caller may try again; until then it counts as held.
      this.#state = DeliveryState.held;
      throw lost(action, error);
    }
    this.#host.released(this);
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
