/**
 * Per-test names and cleanup on the shared Redis: a kombu `global_keyprefix` and queue of
 * the test's own, and the deletion of every key it left (prefixed keys, and Celery 5.2's
 * unprefixed `celery-task-meta-<id>` result keys).
 */
import { deleteRedisKeys as deleteKeys } from '../../../support/redis-keys.js';
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
export function deleteRedisKeys(prefix: string, taskIds: Iterable<string>): Promise<void> {
  return deleteKeys(
    prefix,
    [...taskIds].map((id) => `celery-task-meta-${id}`),
    REDIS_URL,
  );
}
