/**
 * One of the processes of dedup-processes.test.ts: sends `DEDUP_COUNT` concurrent
 * `dedup.charge` tasks with one `dedupKey` on `DEDUP_BROKER` (Redis or RabbitMQ), the
 * dedup records and results in Redis (`DEDUP_URL`), waits for each result, and prints one
 * JSON line: the task ids it got and the results.
 */
import { createAmqpTransport } from '@celeriac/amqp';
import { createClient } from '@celeriac/client';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';

const env = process.env;
const brokerUrl = env['DEDUP_BROKER']!;
const transport = brokerUrl.startsWith('amqp')
  ? createAmqpTransport(brokerUrl)
  : createRedisTransport(brokerUrl, { globalKeyprefix: env['DEDUP_PREFIX']! });
const backend = createRedisResultBackend(env['DEDUP_URL']!, { keyPrefix: env['DEDUP_PREFIX']! });
const client = createClient({ transport, backend, defaultQueue: env['DEDUP_QUEUE']! });
// Connected before the sends: the key's holder then sends at once after its claim, and a
// slow first connect (a loaded machine) does not leave the callers that joined it waiting.
await Promise.all([transport.connect(), backend.connect()]);
const sends = Array.from({ length: Number(env['DEDUP_COUNT']) }, () =>
  client.sendTask<number>('dedup.charge', [10], {}, { dedupKey: env['DEDUP_KEY']! }),
);
const results = await Promise.all(sends);
const values = await Promise.all(results.map((r) => r.get({ timeoutMs: 30_000 })));
console.log(JSON.stringify({ ids: [...new Set(results.map((r) => r.id))], values }));
await client.close();
await transport.close();
await backend.close();
