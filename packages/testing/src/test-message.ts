/**
 * Small broker messages for tests, each tagged with an id that survives the trip, so a
 * test can tell which message a delivery is.
 */
import type { BrokerMessage, Delivery, MessageProperties } from '@celeriac/protocol';

const encoder = new TextEncoder();

/**
 * A JSON message whose `headers.id` and body both carry `id`.
 *
 * @example
 * ```ts
 * await transport.publish(testMessage('m1'), { exchange: '', routingKey: queue });
 * ```
 */
export function testMessage(
  id: string,
  overrides: { headers?: Record<string, unknown>; properties?: MessageProperties } = {},
): BrokerMessage {
  return {
    body: encoder.encode(JSON.stringify({ id })),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { id, ...overrides.headers },
    properties: { correlationId: id, deliveryMode: 2, ...overrides.properties },
  };
}

/** The id a {@link testMessage} was created with, read from the delivery's headers. */
export function deliveryId(delivery: Delivery): string {
  const id = delivery.message.headers['id'];
  if (typeof id !== 'string') {
    throw new Error(`delivery ${delivery.deliveryTag} has no string headers.id`);
  }
  return id;
}
