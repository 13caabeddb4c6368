/**
 * What a consuming transport keeps up: the deliveries it holds (taken and not yet
 * settled) are renewed on a timer, so none is restored while its holder lives, and put
 * back at the front of their queues when the transport closes (kombu's
 * `restore_unacked`); and messages any consumer held past the visibility timeout are
 * restored on another timer.
 *
 * An ack that failed (Redis unreachable for longer than ioredis retries a command) is not
 * given up: the task is done, so its message must neither come back (a second run) nor
 * hold prefetch. It is acked again after a reconnect and with each renewal, and renewed
 * until then, so no consumer restores it while this transport lives; if the transport
 * closes first, the visibility timeout brings it back (acks-late: at least once).
 */
import { MAX_ACK_BATCH, ackGrouped } from './ack-batcher.js';
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';
import type { RedisDelivery } from './redis-delivery.js';
import { restoreHeld } from './redis-delivery.js';

/** The tracked deliveries a transport holds, and acks still to be done again. */
export class HeldDeliveries {
  readonly #held = new Set<RedisDelivery>();
  /** Settled by the consumer, but their ack failed: still in `unacked`. */
  readonly #pendingAcks = new Set<RedisDelivery>();

  /** How many deliveries are held or wait for their ack to be done again. */
  get size(): number {
    return this.#held.size + this.#pendingAcks.size;
  }

  /** The ack of `delivery` failed: do it again later, and renew it until then. */
  ackLater(delivery: RedisDelivery): void {
    this.#pendingAcks.add(delivery);
  }

  /** Ack again what failed before; those that fail stay pending. */
  async retryAcks(redis: ScriptedRedis, keys: KombuKeys): Promise<void> {
    const pending = [...this.#pendingAcks];
    for (let start = 0; start < pending.length; start += MAX_ACK_BATCH) {
      const batch = pending.slice(start, start + MAX_ACK_BATCH);
      await ackGrouped(redis, keys, batch);
      for (const delivery of batch) this.#pendingAcks.delete(delivery);
    }
  }

  /** A delivery was handed out (`held`) or released. Fanout deliveries are not tracked. */
  track(delivery: RedisDelivery, held: boolean): void {
    if (!delivery.tracked) return;
    if (held) this.#held.add(delivery);
    else this.#held.delete(delivery);
  }

  /** Ack again what failed before, then renew the lease of every held delivery (one ZADD XX). */
  async renew(redis: ScriptedRedis, keys: KombuKeys): Promise<void> {
    if (this.#pendingAcks.size > 0) await this.retryAcks(redis, keys).catch(() => undefined);
    const now = Date.now() / 1000;
    // One ZADD per index: one in all on a single node, one per queue on a Cluster.
    const byIndex = new Map<string, (number | string)[]>();
    for (const delivery of [...this.#held, ...this.#pendingAcks]) {
      const index = keys.unackedIndexOf(delivery.queue);
      let args = byIndex.get(index);
      if (!args) byIndex.set(index, (args = []));
      args.push(now, delivery.deliveryTag);
    }
    await Promise.all([...byIndex].map(([index, args]) => redis.zadd(index, 'XX', ...args)));
  }

  /**
   * Transport closing: do the pending acks, and put every held delivery back at the front
   * of its queue. Returns the errors.
   */
  async restoreAll(redis: ScriptedRedis, keys: KombuKeys): Promise<unknown[]> {
    const errors: unknown[] = [];
    if (this.#pendingAcks.size > 0) {
      await this.retryAcks(redis, keys).catch((error: unknown) => errors.push(error));
    }
    errors.push(...(await restoreHeld(redis, [...this.#held])));
    return errors;
  }
}

/** What {@link startUpkeep} runs. */
export interface UpkeepOptions {
  restoreIntervalMs: number;
  /** 0: no renewal. */
  renewIntervalMs: number;
  /** Whether anything consumes now (restores run only then). */
  consuming: () => boolean;
  restore: () => Promise<unknown>;
  renew: () => Promise<void>;
}

/** Restore now and on a timer, renew on another; returns the function stopping both. */
export function startUpkeep(options: UpkeepOptions): () => void {
  const timers: NodeJS.Timeout[] = [];
  void options.restore().catch(() => undefined);
  const restore = setInterval(() => {
    if (options.consuming()) void options.restore().catch(() => undefined);
  }, options.restoreIntervalMs);
  restore.unref();
  timers.push(restore);
  if (options.renewIntervalMs > 0) {
    const renew = setInterval(
      () => void options.renew().catch(() => undefined),
      options.renewIntervalMs,
    );
    renew.unref();
    timers.push(renew);
  }
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
