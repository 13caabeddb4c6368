/**
 * Cleanup on the shared test Redis: tests run in parallel and repeatedly on one server, so
 * each uses a key prefix of its own (kombu `global_keyprefix`) and deletes everything under
 * it when done — queues, `_kombu.binding.*` sets (which kombu and celeriac keep after a
 * worker stops, as bindings are shared state), unacked hashes.
 */
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/**
 * Delete every key starting with `prefix` (SCAN, so the shared Redis is not blocked) and
 * the `extraKeys` (for example Celery's unprefixed `celery-task-meta-<id>` results).
 */
export async function deleteRedisKeys(
  prefix: string,
  extraKeys: Iterable<string> = [],
  url = TEST_REDIS_URL,
): Promise<void> {
  if (prefix.length < 4)
    throw new Error(`refusing to delete keys under the short prefix "${prefix}"`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    const extra = [...extraKeys];
    if (extra.length > 0) await redis.unlink(...extra);
  } finally {
    redis.disconnect();
  }
}
