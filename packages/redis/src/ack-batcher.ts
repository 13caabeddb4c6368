/**
 * Acks of many deliveries in one script call: every ack asked for in the same tick (flushed
 * on `process.nextTick`) becomes one `ZREM unacked_index t1 t2 …` + `HDEL unacked t1 t2 …` (kombu
 * acks with the same two commands), atomic in one script, instead of one call each.
 * Redis then spends well under a microsecond per ack instead of a script call's several,
 * and the client builds and parses one command per batch; that is what bounds a busy
 * consumer's acks.
 *
 * Each acked delivery is told once its ack is on the command connection: its prefetch is
 * free from then on, as a broker frees it when the ack arrives. Whatever the consumer
 * sends next on that connection (the next take) runs in Redis after the ack, so Redis
 * never holds more of the consumer's messages than its prefetch.
 */
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';

/** Most tags in one ack call (Lua's `unpack` stops at a few thousand). */
export const MAX_ACK_BATCH = 1000;

/** A delivery being acked. */
export interface AckTarget {
  readonly deliveryTag: string;
  /** The queue it was taken from (on a Cluster, each queue has its own `unacked`). */
  readonly queue: string;
  /** The ack was written to the command connection, ahead of any later command. */
  ackSent(): void;
}

interface Batch {
  targets: AckTarget[];
  sent: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
  promise: Promise<void>;
}

/** Batches the acks of one tick. */
export class AckBatcher {
  readonly #keys: KombuKeys;
  readonly #command: () => ScriptedRedis;
  readonly #afterSent: () => void;
  #open: Batch | undefined;

  /**
   * `afterSent` runs once a batch is on the connection and its deliveries released: takes
   * issued then join the same write as the acks (and still run after them in Redis).
   */
  constructor(keys: KombuKeys, command: () => ScriptedRedis, afterSent: () => void = () => {}) {
    this.#keys = keys;
    this.#command = command;
    this.#afterSent = afterSent;
  }

  /** Forget a held message; resolves once Redis ran the batch it is part of. */
  ack(target: AckTarget): Promise<void> {
    let batch = this.#open;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { targets: [], sent: false, resolve, reject, promise };
      this.#open = batch;
      const scheduled = batch;
      process.nextTick(() => this.#flush(scheduled));
    }
    batch.targets.push(target);
    if (batch.targets.length >= MAX_ACK_BATCH) this.#flush(batch);
    return batch.promise;
  }

  #flush(batch: Batch): void {
    if (batch.sent) return; // flushed early when it filled up
    batch.sent = true;
    if (this.#open === batch) this.#open = undefined;
    const { targets } = batch;
    try {
      const command = this.#command();
      ackGrouped(command, this.#keys, targets).then(batch.resolve, batch.reject);
    } catch (error) {
      batch.reject(error);
      return;
    }
    for (const target of targets) target.ackSent();
    this.#afterSent();
  }
}

/**
 * One ACK script call for all of `targets`, or, on a Cluster, one per queue (each queue's
 * `unacked` keys sit in its own slot). Resolves with the number of messages forgotten.
 */
export async function ackGrouped(
  redis: ScriptedRedis,
  keys: KombuKeys,
  targets: readonly { readonly deliveryTag: string; readonly queue: string }[],
): Promise<number> {
  if (!keys.cluster) {
    const tags = new Array<string>(targets.length);
    for (let i = 0; i < targets.length; i++) tags[i] = targets[i]!.deliveryTag;
    return redis.celeriacAck(keys.unacked, keys.unackedIndex, ...tags);
  }
  const byQueue = new Map<string, string[]>();
  for (const { queue, deliveryTag } of targets) {
    const tags = byQueue.get(queue);
    if (tags) tags.push(deliveryTag);
    else byQueue.set(queue, [deliveryTag]);
  }
  const counts = await Promise.all(
    [...byQueue].map(([queue, tags]) =>
      redis.celeriacAck(keys.unackedOf(queue), keys.unackedIndexOf(queue), ...tags),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
