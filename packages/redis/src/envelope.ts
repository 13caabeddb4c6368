/**
 * kombu's Redis envelope: the JSON string stored in queue lists, in the `unacked` hash and
 * published on fanout channels (celery-wire.md §2.2). Written in kombu's key order and
 * Python's JSON formatting, so a message celeriac publishes is byte-identical to one
 * kombu would have written for the same content.
 */
import type { BrokerMessage, MessageProperties, Route } from '@celeriac/protocol';
import { DecodeError } from '@celeriac/protocol';
import { pythonJsonStringify } from './python-json.js';

/** Property keys the envelope keeps for itself; never copied into `extra`. */
const RESERVED = new Set(['delivery_info', 'body_encoding', 'delivery_tag']);
/** AMQP properties with a camelCase name in {@link MessageProperties}. */
const NAMED = new Set(['correlation_id', 'reply_to', 'delivery_mode', 'priority', 'expiration']);

/** A decoded envelope: the message plus what kombu stores beside it. */
export interface DecodedEnvelope {
  message: BrokerMessage;
  deliveryTag: string | undefined;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
}

/**
 * Build the envelope kombu's `prepare_message` + `_inplace_augment_message` would build.
 * Property order is Celery's: `correlation_id`, `reply_to`, leaked extras, then
 * `delivery_mode`, `expiration`, `delivery_info`, `priority`, `body_encoding`,
 * `delivery_tag`.
 */
export function encodeEnvelope(message: BrokerMessage, route: Route, deliveryTag: string): string {
  const p = message.properties;
  const properties: Record<string, unknown> = {};
  if (p.correlationId !== undefined) properties['correlation_id'] = p.correlationId;
  if (p.replyTo !== undefined) properties['reply_to'] = p.replyTo;
  for (const [key, value] of Object.entries(p.extra ?? {})) {
    if (!RESERVED.has(key) && !NAMED.has(key)) properties[key] = value;
  }
  if (p.deliveryMode !== undefined) properties['delivery_mode'] = p.deliveryMode;
  if (p.expiration !== undefined) properties['expiration'] = p.expiration;
  properties['delivery_info'] = { exchange: route.exchange, routing_key: route.routingKey };
  properties['priority'] = p.priority ?? 0;
  properties['body_encoding'] = 'base64';
  properties['delivery_tag'] = deliveryTag;
  return pythonJsonStringify({
    body: Buffer.from(
      message.body.buffer,
      message.body.byteOffset,
      message.body.byteLength,
    ).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parse an envelope string; throws a {@link DecodeError} saying what is wrong. */
export function parseEnvelope(raw: string): Record<string, unknown> {
  let envelope: unknown;
  try {
    envelope = JSON.parse(raw);
  } catch (cause) {
    throw new DecodeError('', 'the Redis envelope is not JSON', { cause });
  }
  if (!isRecord(envelope)) throw new DecodeError('', 'the Redis envelope is not a JSON object');
  return envelope;
}

/** Decode an envelope into a {@link BrokerMessage} and its delivery facts. */
export function decodeEnvelope(raw: string): DecodedEnvelope {
  return decodeParsedEnvelope(parseEnvelope(raw));
}

/**
 * The message and delivery facts of a parsed envelope. `body` gives the body's bytes when
 * the caller decoded them itself (`envelope-buffer.ts`); otherwise they come from
 * `envelope.body`.
 * @internal
 */
export function decodeParsedEnvelope(
  envelope: Record<string, unknown>,
  body?: (props: Record<string, unknown>) => Uint8Array,
): DecodedEnvelope {
  const props = envelope['properties'] ?? {};
  if (!isRecord(props)) throw new DecodeError('properties', 'expected an object');
  const headers = envelope['headers'] ?? {};
  if (!isRecord(headers)) throw new DecodeError('headers', 'expected an object');
  const bytes = body ? body(props) : bodyBytes(envelope['body'], props);
  const properties: MessageProperties = {};
  let extra: Record<string, unknown> | undefined;
  // `for…in` over a parsed object: no entries arrays per message.
  for (const key in props) {
    if (RESERVED.has(key)) continue;
    const value = props[key];
    switch (key) {
      case 'correlation_id':
        if (typeof value === 'string') properties.correlationId = value;
        break;
      case 'reply_to':
        if (typeof value === 'string') properties.replyTo = value;
        break;
      case 'delivery_mode':
        if (value === 1 || value === 2) properties.deliveryMode = value;
        break;
      case 'priority':
        if (typeof value === 'number') properties.priority = value;
        break;
      case 'expiration':
        if (typeof value === 'string' || typeof value === 'number') {
          properties.expiration = String(value);
        }
        break;
      default:
        (extra ??= {})[key] = value;
    }
  }
  if (extra !== undefined) properties.extra = extra;

  const info = isRecord(props['delivery_info']) ? props['delivery_info'] : {};
  const tag = props['delivery_tag'];
  return {
    message: {
      body: bytes,
      contentType: stringOr(envelope['content-type'], 'application/data'),
      contentEncoding: stringOr(envelope['content-encoding'], 'binary'),
      headers,
      properties,
    },
    deliveryTag: typeof tag === 'string' && tag !== '' ? tag : undefined,
    exchange: stringOr(info['exchange'], ''),
    routingKey: stringOr(info['routing_key'], ''),
    redelivered: info['redelivered'] === true || headers['redelivered'] === true,
  };
}

/** The bytes of an envelope's `body` field. */
function bodyBytes(body: unknown, props: Record<string, unknown>): Uint8Array {
  if (typeof body === 'string') {
    // A Buffer is a Uint8Array: no copy into a plain one (this runs for every message).
    return props['body_encoding'] === 'base64'
      ? Buffer.from(body, 'base64')
      : new TextEncoder().encode(body);
  }
  if (body === null || body === undefined) return new Uint8Array();
  throw new DecodeError('body', 'expected a string');
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * The envelope as kombu's `_do_restore_message` writes it back: `headers.redelivered`
 * and `properties.delivery_info.redelivered` set to true, everything else in place.
 */
export function markRedelivered(raw: string): string {
  let envelope: Record<string, unknown>;
  try {
    envelope = parseEnvelope(raw);
  } catch {
    return raw;
  }
  const headers = envelope['headers'];
  const props = envelope['properties'];
  // kombu sets the header first and gives up (KeyError) when either part is missing.
  if (isRecord(headers)) headers['redelivered'] = true;
  if (isRecord(headers) && isRecord(props) && isRecord(props['delivery_info'])) {
    props['delivery_info']['redelivered'] = true;
  }
  return pythonJsonStringify(envelope);
}

/** The message priority kombu reads (`properties.priority`), for choosing a list. */
export function envelopePriority(raw: string): number {
  try {
    const props = parseEnvelope(raw)['properties'];
    return isRecord(props) && typeof props['priority'] === 'number' ? props['priority'] : 0;
  } catch {
    return 0;
  }
}
