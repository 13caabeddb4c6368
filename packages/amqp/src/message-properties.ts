/**
 * BrokerMessage ⇄ AMQP basic properties, named as kombu/py-amqp name them
 * (`content_type`, `correlation_id`, …) and valued as Celery sends them.
 */
import type { BrokerMessage, MessageProperties } from '@celeriac/protocol';
import type { Message, Options } from 'amqplib';
import { decodeHeaderTable, encodeHeaderTable } from './header-table.js';

/** The AMQP basic properties outside {@link MessageProperties}'s named fields: wire name → amqplib name. */
const EXTRA_PROPERTIES = {
  message_id: 'messageId',
  timestamp: 'timestamp',
  type: 'type',
  user_id: 'userId',
  app_id: 'appId',
  cluster_id: 'clusterId',
} as const;
type ExtraProperty = keyof typeof EXTRA_PROPERTIES;

function isExtraProperty(key: string): key is ExtraProperty {
  return Object.hasOwn(EXTRA_PROPERTIES, key);
}

/** View the bytes of a message body as a Buffer without copying them. */
export function bodyBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * amqplib publish options for a message. Property keys in `extra` that AMQP has no slot for
 * (Celery's leaked `origin`, `replaced_task_nesting`) are not carried, as with py-amqp.
 */
export function toPublishOptions(message: BrokerMessage): Options.Publish {
  const { properties } = message;
  const options: Options.Publish = {
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: encodeHeaderTable(message.headers),
    // kombu sends delivery_mode 2 unless told otherwise (task_default_delivery_mode).
    deliveryMode: properties.deliveryMode ?? 2,
    // kombu always sends a priority, 0 when unset.
    priority: properties.priority ?? 0,
  };
  if (properties.correlationId !== undefined) options.correlationId = properties.correlationId;
  if (properties.replyTo !== undefined) options.replyTo = properties.replyTo;
  if (properties.expiration !== undefined) options.expiration = properties.expiration;
  for (const [key, value] of Object.entries(properties.extra ?? {})) {
    if (!isExtraProperty(key) || value === undefined || value === null) continue;
    const name = EXTRA_PROPERTIES[key];
    if (name === 'timestamp') {
      options.timestamp =
        value instanceof Date ? Math.floor(value.getTime() / 1000) : Number(value);
    } else if (name !== 'clusterId') {
      options[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return options;
}

/** The BrokerMessage of a message amqplib delivered. */
export function fromAmqpMessage(message: Message): BrokerMessage {
  const p = message.properties;
  const properties: MessageProperties = {};
  if (typeof p.correlationId === 'string') properties.correlationId = p.correlationId;
  if (typeof p.replyTo === 'string') properties.replyTo = p.replyTo;
  const deliveryMode: unknown = p.deliveryMode;
  if (deliveryMode === 1 || deliveryMode === 2) properties.deliveryMode = deliveryMode;
  if (typeof p.priority === 'number') properties.priority = p.priority;
  if (p.expiration !== undefined && p.expiration !== null)
    properties.expiration = String(p.expiration);
  const extra: Record<string, unknown> = {};
  for (const [wire, name] of Object.entries(EXTRA_PROPERTIES)) {
    const value: unknown = p[name];
    if (value !== undefined && value !== null) extra[wire] = value;
  }
  if (Object.keys(extra).length > 0) properties.extra = extra;
  return {
    body: new Uint8Array(
      message.content.buffer,
      message.content.byteOffset,
      message.content.byteLength,
    ),
    // A message without properties is what a bare basic_publish sends; kombu treats it
    // as raw bytes (`application/data`, `binary`).
    contentType: typeof p.contentType === 'string' ? p.contentType : 'application/data',
    contentEncoding: typeof p.contentEncoding === 'string' ? p.contentEncoding : 'binary',
    headers: decodeHeaderTable(p.headers),
    properties,
  };
}
