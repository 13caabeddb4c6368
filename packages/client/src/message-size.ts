/**
 * Large messages (big canvases carry every later step in the first message): compress
 * a body past a threshold, and refuse a message the broker would refuse anyway, with an
 * error that names the size and the limit instead of a dropped connection.
 */
import { compress, type BrokerMessage, type CompressionName } from '@celeriac/protocol';
import { MessageTooLargeError } from './errors.js';

/** Compression threshold and size limit of a client's sends. */
export interface MessageLimits {
  /** Compress (zlib) bodies larger than this many bytes; undefined: never unless asked. */
  compressAbove: number | undefined;
  /** Refuse messages larger than this many bytes. */
  maxBytes: number;
  /** Transport kind, for the message and for how the size is counted. */
  transportKind: string;
}

const MiB = 1024 * 1024;

/**
 * Default size limits by transport kind: Redis strings hold at most 512 MB (the stored
 * envelope, with its base64 body, must fit); RabbitMQ 3.8+ refuses messages over its
 * `max_message_size`, 128 MiB by default; memory has no broker limit, 512 MiB keeps a
 * runaway canvas from eating the process.
 */
export const DEFAULT_MAX_MESSAGE_BYTES: Readonly<Record<string, number>> = {
  redis: 512 * MiB,
  amqp: 128 * MiB,
  memory: 512 * MiB,
};

/** The default limit for a transport kind (512 MiB when unknown). */
export function defaultMaxMessageBytes(kind: string): number {
  return DEFAULT_MAX_MESSAGE_BYTES[kind] ?? 512 * MiB;
}

/** `message` with its body compressed when over the threshold and not compressed yet. */
export function compressIfLarge(
  message: BrokerMessage,
  limits: MessageLimits,
  explicit: CompressionName | undefined,
): BrokerMessage {
  const threshold = limits.compressAbove;
  if (explicit !== undefined || threshold === undefined) return message;
  if (message.body.byteLength <= threshold || message.headers['compression'] !== undefined) {
    return message;
  }
  const { body, header } = compress(message.body, 'zlib');
  return { ...message, body, headers: { ...message.headers, compression: header } };
}

/** The bytes a message takes on the broker (Redis stores the body base64-encoded). */
export function messageSize(message: BrokerMessage, transportKind: string): number {
  const body = message.body.byteLength;
  const stored = transportKind === 'redis' ? Math.ceil(body / 3) * 4 : body;
  return stored + JSON.stringify(message.headers).length;
}

/** Throw {@link MessageTooLargeError} when the message is over the limit. */
export function checkMessageSize(
  message: BrokerMessage,
  limits: MessageLimits,
  taskName: string,
  taskId: string,
): void {
  const size = messageSize(message, limits.transportKind);
  if (size > limits.maxBytes) {
    throw new MessageTooLargeError(taskName, taskId, size, limits.maxBytes, limits.transportKind);
  }
}
