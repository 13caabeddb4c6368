/**
 * Child process: a celeriac consumer that takes one message from QUEUE, prints its tag,
 * and hangs without acking until the parent SIGKILLs it (a crashed worker).
 */
import { createRedisTransport } from '@celeriac/redis';

const transport = createRedisTransport(process.env['REDIS_URL']!, {
  globalKeyprefix: process.env['PREFIX'] ?? '',
  visibilityTimeout: Number(process.env['VISIBILITY'] ?? 3600),
  renewIntervalMs: 0,
  unackedMutexExpire: 1,
});
await transport.connect();
await transport.consume(
  [process.env['QUEUE']!],
  (delivery) => process.stdout.write(`taken ${delivery.deliveryTag}\n`),
  { prefetch: 1 },
);
setInterval(() => undefined, 60_000);
