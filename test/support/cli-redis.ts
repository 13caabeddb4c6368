/** The shared test Redis, used by the CLI tests under a key prefix of each test's own. */
import { randomUUID } from 'node:crypto';
import { TEST_REDIS_URL, deleteRedisKeys } from './redis-keys.js';

export const REDIS = TEST_REDIS_URL;

/** A queue name and key prefix for one test, and the environment the fixture app reads. */
export function redisScope() {
  const id = randomUUID().slice(0, 8);
  const queue = `cli-${id}`;
  const prefix = `cli-test-${id}:`;
  return {
    queue,
    prefix,
    env: { CLI_TEST_BROKER: REDIS, CLI_TEST_QUEUE: queue, CLI_TEST_PREFIX: prefix },
    /** Delete every key the test's worker and commands made. */
    cleanup: () => deleteRedisKeys(prefix),
  };
}
