/**
 * Per-test names and cleanup on the shared Redis: a kombu `global_keyprefix` and queue of
 * the test's own, and the deletion of every key it left (prefixed keys, and Celery 5.2's
 * unprefixed `celery-task-meta-<id>` result keys).
 */
import { Redis } from 'ioredis';
import { REDIS_URL, shortId } from './python.js';

/** Unique names of one Redis test. */
export interface RedisNames {
  /** kombu `global_keyprefix` on both sides; witness keys start with it too. */
  prefix: string;
  queue: string;
}

export function redisNames(): RedisNames {
  const id = shortId();
  return { prefix: `celeriac-wk-${id}:`, queue: `wk.${id}` };
}

/** Delete every key starting with `prefix`, and the result keys of `taskIds`. */
export async function deleteRedisKeys(prefix: string, taskIds: Iterable<string>): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    for (const id of taskIds) keys.push(`celery-task-meta-${id}`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
