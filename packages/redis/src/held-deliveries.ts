/**
 * What a consuming transport keeps up: the deliveries it holds (taken and not yet
 * settled) are renewed on a timer, so none is restored while its holder lives, and put
 * back at the front of their queues when the transport closes (kombu's
 * `restore_unacked`); and messages any consumer held past the visibility timeout are
 * restored on another timer.
 */
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';
import type { RedisDelivery } from './redis-delivery.js';
import { restoreHeld } from './redis-delivery.js';

/** The tracked deliveries a transport holds. */
export class HeldDeliveries {
  readonly #held = new Set<RedisDelivery>();

  /** How many deliveries are held. */
  get size(): number {
    return this.#held.size;
  }

  /** A delivery was handed out (`held`) or released. Fanout deliveries are not tracked. */
  track(delivery: RedisDelivery, held: boolean): void {
    if (!delivery.tracked) return;
    if (held) this.#held.add(delivery);
    else this.#held.delete(delivery);
  }

  /** Renew the lease of every held delivery (one ZADD XX). */
  async renew(redis: ScriptedRedis, keys: KombuKeys): Promise<void> {
    const now = Date.now() / 1000;
    const args: (number | string)[] = [];
    for (const delivery of this.#held) args.push(now, delivery.deliveryTag);
    await redis.zadd(keys.unackedIndex, 'XX', ...args);
  }

  /** Put every held delivery back (transport closing); returns the errors. */
  restoreAll(redis: ScriptedRedis): Promise<unknown[]> {
    return restoreHeld(redis, [...this.#held]);
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
