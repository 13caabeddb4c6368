/**
 * The visibility timeout: messages held in `unacked` longer than the timeout belong to a
 * consumer presumed dead and go back to their queues, flagged redelivered — exactly what
 * kombu's `QoS.restore_visible` does, so a Python worker restores what a killed celeriac
 * worker held and the other way round. Guarded by kombu's `unacked_mutex` lock.
 */
import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { KombuKeys } from './kombu-keys.js';
import { markRedelivered } from './envelope.js';
import type { ExchangeRouter } from './exchange-router.js';
import type { ScriptedRedis } from './lua-scripts.js';
import { pythonJsonStringify } from './python-json.js';
import { RestoreReason, recordRestored, startRestoreSpan } from './telemetry.js';

/** kombu's dead-letter list for restored messages no binding routes anywhere. */
export const UNDELIVERABLE_QUEUE = 'ae.undeliver';

/** Settings of {@link restoreVisible}. */
export interface RestoreVisibleOptions {
  keys: KombuKeys;
  router: ExchangeRouter;
  visibilityTimeout: number;
  mutexExpireSeconds: number;
  /** Most messages restored in one scan; 0 for all. */
  limit: number;
  /** Unix seconds; defaults to now. */
  now?: number;
  /**
   * On a Cluster: the queue whose own `unacked` keys are scanned; its messages go back to
   * it (a restore touches one slot). Unset on a single node: the shared keys, and each
   * message goes where its exchange routes it, as kombu does.
   */
  queue?: string;
}

/** The unacked hash, index and lock a restore works on. */
function heldKeys(options: RestoreVisibleOptions) {
  const { keys, queue } = options;
  if (queue === undefined) {
    return { unacked: keys.unacked, index: keys.unackedIndex, mutex: keys.unackedMutex };
  }
  return {
    unacked: keys.unackedOf(queue),
    index: keys.unackedIndexOf(queue),
    mutex: keys.unackedMutexOf(queue),
  };
}

/**
 * Restore every message held longer than the visibility timeout. Returns how many were
 * restored, or -1 when another process holds the lock (it is doing the same work).
 */
export async function restoreVisible(
  redis: ScriptedRedis,
  options: RestoreVisibleOptions,
): Promise<number> {
  const held = heldKeys(options);
  const token = randomUUID();
  const locked = await redis.set(
    held.mutex,
    token,
    'PX',
    Math.round(options.mutexExpireSeconds * 1000),
    'NX',
  );
  if (locked !== 'OK') return -1;
  let restored = 0;
  let span: Span | undefined;
  try {
    const ceil = (options.now ?? Date.now() / 1000) - options.visibilityTimeout;
    const page = options.limit > 0 ? options.limit : 500;
    for (;;) {
      const tags = await redis.zrevrangebyscore(held.index, ceil, 0, 'LIMIT', 0, page);
      if (tags.length === 0) break;
      // A span only for scans that found something: an idle scan every few seconds is noise.
      span ??= startRestoreSpan(options.visibilityTimeout, tags.length);
      let progressed = 0;
      for (const tag of tags) {
        const outcome = await restoreOne(redis, options, tag, ceil);
        if (outcome !== 'skipped') progressed++;
        if (outcome === 'restored') restored++;
      }
      if (options.limit > 0 || progressed === 0) break;
    }
  } catch (error) {
    span?.recordException(error as Error);
    span?.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span?.setAttribute('celeriac.redis.restored', restored);
    span?.end();
    await redis.celeriacUnlock(held.mutex, token).catch(() => 0);
  }
  return restored;
}

type Outcome = 'restored' | 'dropped' | 'skipped';

async function restoreOne(
  redis: ScriptedRedis,
  options: RestoreVisibleOptions,
  tag: string,
  ceil: number,
): Promise<Outcome> {
  const { keys, router } = options;
  const held = heldKeys(options);
  const value = await redis.hget(held.unacked, tag);
  if (value === null) {
    // An index entry without a message (kombu's restore leaves none, but be tidy).
    await redis.zrem(held.index, tag);
    return 'dropped';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null) {
    await redis.celeriacAck(held.unacked, held.index, tag);
    return 'dropped';
  }
  const [envelope, exchange, routingKey] = parsed as [Record<string, unknown>, unknown, unknown];
  const raw = markRedelivered(pythonJsonStringify(envelope));
  const queues =
    options.queue !== undefined
      ? [options.queue]
      : await router.lookup(
          redis,
          typeof exchange === 'string' ? exchange : '',
          typeof routingKey === 'string' ? routingKey : '',
        );
  const props = envelope['properties'] as Record<string, unknown> | undefined;
  const priority = KombuKeys.clampPriority(props?.['priority'] ?? 0);
  const destinations = (queues.length > 0 ? queues : [UNDELIVERABLE_QUEUE]).map((queue) =>
    keys.queueKey(queue, priority),
  );
  const done = await redis.celeriacRestore(
    [held.unacked, held.index, ...destinations],
    tag,
    raw,
    'R',
    String(ceil),
  );
  if (done !== 1) return 'skipped';
  for (const queue of queues.length > 0 ? queues : [UNDELIVERABLE_QUEUE]) {
    recordRestored(queue, RestoreReason.visibilityTimeout);
  }
  return 'restored';
}
