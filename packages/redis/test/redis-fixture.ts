/**
 * Test helpers: a per-test key prefix on the shared Redis, raw clients, and cleanup.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** A fresh prefix such as `celeriac-test-1a2b3c4d:`. */
export function testPrefix(): string {
  return `celeriac-test-${randomUUID().slice(0, 8)}:`;
}

/** A plain ioredis client on the test Redis. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL);
}

/** Delete every key starting with `prefix`. */
export async function deletePrefixed(prefix: string): Promise<void> {
  const redis = rawClient();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
