/**
 * The few messages the worker builds itself besides task results: events and
 * remote-control replies, and reading remote-control requests.
 */
import { DecodeError, type BrokerMessage } from '@celeriac/protocol';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An event message: JSON body, header `hostname`, transient. */
export function encodeEventMessage(body: unknown, hostname: string): BrokerMessage {
  return {
    body: encoder.encode(JSON.stringify(body)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { hostname },
    properties: { deliveryMode: 1, priority: 0 },
  };
}

/** A remote-control request as the pidbox carries it. */
export interface ControlRequest {
  method: string;
  arguments: Record<string, unknown>;
  destination: string[] | null;
  pattern: string | null;
  matcher: string | null;
  ticket: string | null;
  replyTo: { exchange: string; routingKey: string } | null;
}

/** Read a pidbox request body. */
export function decodeControlRequest(message: BrokerMessage): ControlRequest {
  if (message.contentType !== 'application/json') {
    throw new DecodeError('contentType', `pidbox messages are JSON, not ${message.contentType}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(message.body));
  } catch (error) {
    throw new DecodeError('body', 'not valid JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DecodeError('body', 'expected an object');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.method !== 'string') throw new DecodeError('body.method', 'expected a string');
  const reply = b.reply_to as Record<string, unknown> | null | undefined;
  const destination = b.destination;
  return {
    method: b.method,
    arguments:
      typeof b.arguments === 'object' && b.arguments !== null
        ? (b.arguments as Record<string, unknown>)
        : {},
    destination: Array.isArray(destination)
      ? destination.map(String)
      : typeof destination === 'string'
        ? [destination]
        : null,
    pattern: typeof b.pattern === 'string' ? b.pattern : null,
    matcher: typeof b.matcher === 'string' ? b.matcher : null,
    ticket: typeof b.ticket === 'string' ? b.ticket : null,
    replyTo:
      reply && typeof reply.routing_key === 'string'
        ? {
            exchange: typeof reply.exchange === 'string' ? reply.exchange : 'reply.celery.pidbox',
            routingKey: reply.routing_key,
          }
        : null,
  };
}

/** A reply `{<node>: value}` with headers `ticket` and `clock`. */
export function encodeControlReply(
  hostname: string,
  value: unknown,
  ticket: string,
  clock: number,
): BrokerMessage {
  return {
    body: encoder.encode(JSON.stringify({ [hostname]: value ?? null })),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { ticket, clock },
    properties: { deliveryMode: 1, priority: 0 },
  };
}
