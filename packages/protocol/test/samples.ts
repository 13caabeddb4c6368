/**
 * Test helpers over the captured Celery 5.2.6 / kombu 5.2.4 samples in `fixtures/`
 * (copied from the reference captures): kombu's Redis envelope is parsed and its base64
 * body decoded here the way the Redis transport does it for real.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerMessage, MessageProperties } from '@celeriac/protocol';

const ROOT = join(import.meta.dirname, 'fixtures', 'celery-5.2');

/** Names of the sample files in a fixtures folder, e.g. `redis/messages`. */
export function sampleNames(folder: string): string[] {
  return readdirSync(join(ROOT, folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** A parsed sample file. */
export function readSample<T = Record<string, unknown>>(folder: string, name: string): T {
  return JSON.parse(readFileSync(join(ROOT, folder, `${name}.json`), 'utf8')) as T;
}

const PROPERTY_NAMES: Record<string, keyof MessageProperties> = {
  correlation_id: 'correlationId',
  reply_to: 'replyTo',
  delivery_mode: 'deliveryMode',
  priority: 'priority',
  expiration: 'expiration',
};
/** Envelope properties that belong to the Redis transport, not to the message. */
const TRANSPORT_ONLY = new Set(['delivery_info', 'body_encoding', 'delivery_tag']);

/** A kombu Redis envelope (a list element) as the BrokerMessage a transport would hand over. */
export function fromRedisEnvelope(raw: string): BrokerMessage {
  const envelope = JSON.parse(raw) as {
    body: string;
    'content-type': string;
    'content-encoding': string;
    headers: Record<string, unknown>;
    properties: Record<string, unknown>;
  };
  const properties: MessageProperties = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(envelope.properties)) {
    const name = PROPERTY_NAMES[key];
    if (name !== undefined) (properties as Record<string, unknown>)[name] = value;
    else if (!TRANSPORT_ONLY.has(key)) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) properties.extra = extra;
  const body =
    envelope.properties['body_encoding'] === 'base64'
      ? new Uint8Array(Buffer.from(envelope.body, 'base64'))
      : new TextEncoder().encode(envelope.body);
  return {
    body,
    contentType: envelope['content-type'],
    contentEncoding: envelope['content-encoding'],
    headers: envelope.headers,
    properties,
  };
}

/** One message of `redis/messages/<name>.json`, oldest first. */
export function redisMessages(name: string): BrokerMessage[] {
  const sample = readSample<{ raw: string[] }>('redis/messages', name);
  return sample.raw.map(fromRedisEnvelope).reverse();
}

interface AmqpSample {
  messages: {
    properties: {
      contentType: string;
      contentEncoding: string;
      headers: Record<string, unknown>;
      deliveryMode?: 1 | 2;
      priority?: number;
      correlationId?: string;
      replyTo?: string;
      expiration?: string;
    };
    body_base64: string;
  }[];
}

/** The messages of `rabbitmq/<name>.json` as amqplib returned them. */
export function amqpMessages(name: string): BrokerMessage[] {
  const sample = readSample<AmqpSample>('rabbitmq', name);
  return sample.messages.map(({ properties: p, body_base64 }) => {
    const properties: MessageProperties = {};
    if (p.correlationId !== undefined) properties.correlationId = p.correlationId;
    if (p.replyTo !== undefined) properties.replyTo = p.replyTo;
    if (p.deliveryMode !== undefined) properties.deliveryMode = p.deliveryMode;
    if (p.priority !== undefined) properties.priority = p.priority;
    if (p.expiration !== undefined) properties.expiration = p.expiration;
    return {
      body: new Uint8Array(Buffer.from(body_base64, 'base64')),
      contentType: p.contentType,
      contentEncoding: p.contentEncoding,
      headers: p.headers,
      properties,
    };
  });
}

/** The stored result JSON strings of `redis/<folder>/<name>.json`. */
export function storedResults(folder: 'results' | 'results-extended', name: string): string[] {
  const sample = readSample<{ results: { raw: string }[] }>(`redis/${folder}`, name);
  return sample.results.map((r) => r.raw);
}

/** A JSON message with arbitrary headers, for refusal tests. */
export function jsonMessage(
  body: unknown,
  headers: Record<string, unknown> = {},
  overrides: Partial<BrokerMessage> = {},
): BrokerMessage {
  return {
    body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    properties: {},
    ...overrides,
  };
}
