/**
 * Three `celeriac beat` replicas and a worker on the real Redis: a 1-second entry for a
 * minute, the leader SIGKILLed twice, then the only replica restarted — every tick sent
 * once, no gap beyond the failover bound (`replicas-support.ts`). About 80 s.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, it } from 'vitest';
import { killLeftovers } from '../support/cli-process.js';
import { REDIS } from '../support/cli-redis.js';
import { deleteRedisKeys } from '../support/redis-keys.js';
import { replicaScenario } from './replicas-support.js';

afterAll(() => killLeftovers());

describe('celeriac beat replicas on Redis', () => {
  it('each tick once across two leader kills and a restart', { timeout: 180_000 }, async () => {
    const id = randomUUID().slice(0, 8);
    const prefix = `beat-rep-${id}:`;
    const namespace = `beat-rep-${id}`;
    try {
      await replicaScenario('redis', {
        BEAT_TEST_BROKER: REDIS,
        BEAT_TEST_QUEUE: namespace,
        BEAT_TEST_PREFIX: prefix,
        CELERIAC_BEAT_NAMESPACE: namespace,
      });
    } finally {
      killLeftovers();
      await deleteRedisKeys(prefix);
      await deleteRedisKeys(`{celeriac.beat.${namespace}}`);
    }
  });
});
