/**
 * Publishing as kombu's Redis transport does: exchange `""` → LPUSH to the routing key's
 * queue list; fanout → PUBLISH on the exchange's channel; direct/topic → LPUSH a copy to
 * every queue the exchange's binding set routes to (none → dropped, as kombu does).
 */
import { randomUUID } from 'node:crypto';
import type { BrokerMessage, Route } from '@celeriac/protocol';
import { encodeEnvelope } from './envelope.js';
import type { ExchangeRouter } from './exchange-router.js';
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';

/** Store or PUBLISH `message` along `route`; returns how many copies Redis took. */
export async function publishMessage(
  redis: ScriptedRedis,
  keys: KombuKeys,
  router: ExchangeRouter,
  message: BrokerMessage,
  route: Route,
  priority: number,
): Promise<number> {
  if (!route.exchange) {
    const envelope = encodeEnvelope(message, route, randomUUID());
    await redis.lpush(keys.queueKey(route.routingKey, priority), envelope);
    return 1;
  }
  if (router.typeOf(route.exchange) === 'fanout') {
    const envelope = encodeEnvelope(message, route, randomUUID());
    await redis.publish(keys.fanoutChannel(route.exchange, route.routingKey), envelope);
    return 1;
  }
  const queues = await router.lookup(redis, route.exchange, route.routingKey);
  // One delivery tag per copy, so copies held at once stay apart in `unacked`.
  await Promise.all(
    queues.map((queue) =>
      redis.lpush(keys.queueKey(queue, priority), encodeEnvelope(message, route, randomUUID())),
    ),
  );
  return queues.length;
}
