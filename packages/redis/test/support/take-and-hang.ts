/**
 * Child process for the atomic-take tests: consume one message from QUEUE without acking,
 * print its delivery tag, then hang until killed (the parent sends SIGKILL).
 */
import { createRedisTransport } from '@celeriac/redis';

const url = process.env['REDIS_URL']!;
const queue = process.env['QUEUE']!;
const transport = createRedisTransport(url, {
  globalKeyprefix: process.env['PREFIX'] ?? '',
  visibilityTimeout: Number(process.env['VISIBILITY'] ?? 3600),
  renewIntervalMs: 0,
  // Killed at any moment, maybe holding the restore lock: let it lapse quickly.
  unackedMutexExpire: 1,
});
await transport.connect();
await transport.consume(
  [queue],
  (delivery) => {
    process.stdout.write(`taken ${delivery.deliveryTag}\n`);
  },
  { prefetch: 1 },
);
setInterval(() => undefined, 60_000);
