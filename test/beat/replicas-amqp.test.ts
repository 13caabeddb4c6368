/**
 * Three `celeriac beat` replicas and a worker on the real RabbitMQ: a 1-second entry for a
 * minute, the leader SIGKILLed twice, then the only replica restarted — every tick sent
 * once, no gap beyond the failover bound (`replicas-support.ts`). About 80 s.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, it } from 'vitest';
import { killLeftovers } from '../support/cli-process.js';
import { AMQP_URL, rabbitCase } from '../control/support.js';
import { replicaScenario } from './replicas-support.js';

afterAll(() => killLeftovers());

describe('celeriac beat replicas on RabbitMQ', () => {
  it('each tick once across two leader kills and a restart', { timeout: 180_000 }, async () => {
    const id = randomUUID().slice(0, 8);
    const namespace = `beat-rep-${id}`;
    try {
      await replicaScenario('rabbitmq', {
        BEAT_TEST_BROKER: AMQP_URL,
        BEAT_TEST_QUEUE: namespace,
        CELERIAC_BEAT_NAMESPACE: namespace,
      });
    } finally {
      killLeftovers();
      await rabbitCase().cleanup([
        namespace,
        `celeriac.beat.${namespace}.leader`,
        `celeriac.beat.${namespace}.commands`,
      ]);
    }
  });
});
