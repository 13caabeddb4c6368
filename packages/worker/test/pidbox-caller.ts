/** A `celery control`/`inspect` caller for the worker tests, as kombu's Mailbox sends. */
import { randomUUID } from 'node:crypto';
import type { BrokerMessage, Delivery } from '@celeriac/protocol';
import { waitFor, type Fixture } from './support.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A `celery inspect` client over the pidbox, as kombu's Mailbox sends it (§6.2). */
export async function inspector(
  fx: Fixture,
  sign: (message: BrokerMessage) => BrokerMessage = (m) => m,
) {
  const oid = randomUUID();
  const replyQueue = `${oid}.reply.celery.pidbox`;
  await fx.producer.declareExchange({
    name: 'reply.celery.pidbox',
    type: 'direct',
    durable: false,
  });
  await fx.producer.declareExchange({ name: 'celery.pidbox', type: 'fanout', durable: false });
  await fx.producer.declareQueue({ name: replyQueue, autoDelete: true });
  await fx.producer.bindQueue({
    queue: replyQueue,
    exchange: 'reply.celery.pidbox',
    routingKey: oid,
  });
  const replies: Delivery[] = [];
  await fx.producer.consume(
    [replyQueue],
    (d) => {
      replies.push(d);
      void d.ack();
    },
    { prefetch: 0 },
  );
  return {
    async call(
      method: string,
      args: Record<string, unknown> = {},
      destination: string[] | null = null,
    ) {
      const ticket = randomUUID();
      await fx.producer.publish(
        sign({
          body: encoder.encode(
            JSON.stringify({
              method,
              arguments: args,
              destination,
              pattern: null,
              matcher: null,
              ticket,
              reply_to: { exchange: 'reply.celery.pidbox', routing_key: oid },
            }),
          ),
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          headers: { clock: 1, expires: Date.now() / 1000 + 1 },
          properties: { deliveryMode: 2 },
        }),
        { exchange: 'celery.pidbox', routingKey: '' },
      );
      const reply = await waitFor(() => replies.find((r) => r.message.headers.ticket === ticket));
      return JSON.parse(decoder.decode(reply.message.body)) as Record<string, unknown>;
    },
  };
}
