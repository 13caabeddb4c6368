/**
 * Connected transports on the shared broker for one test file: `transport()` connects one
 * and closes it after the test; `cleanup` takes more steps (queues to delete), run after
 * each test in reverse order, each even if another failed.
 */
import { createAmqpTransport } from '@celeriac/amqp';
import type { AmqpTransport } from '@celeriac/amqp';
import { afterEach } from 'vitest';
import { AMQP_URL, recordingLogger } from './rabbitmq.js';

export function transportsFixture(): {
  cleanup: (() => Promise<void>)[];
  transport: () => Promise<AmqpTransport>;
} {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  return {
    cleanup,
    async transport() {
      const t = createAmqpTransport(AMQP_URL, { logger: recordingLogger() });
      cleanup.push(() => t.close());
      await t.connect();
      return t;
    },
  };
}
