/**
 * Requests to the replica holding a namespace's token, over RabbitMQ's direct reply-to:
 * published to the commands queue with `reply_to: amq.rabbitmq.reply-to`, a correlation id
 * and an expiration (a request nobody took in time is dropped, never applied late).
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import { ConnectionLostError, TimeoutError } from '@celeriac/protocol';
import type { LeaderLease, RunClaim, StoredEntryDefinition } from '@celeriac/protocol';
import type { JsonValue } from '@celeriac/protocol';
import { oneLine } from './connection-errors.js';

/** What one replica may ask the token holder. */
export type BeatRequest =
  | { readonly op: 'leader' }
  | { readonly op: 'claim'; readonly lease: LeaderLease; readonly claim: RunClaim }
  | { readonly op: 'runs' }
  | { readonly op: 'entries' }
  | { readonly op: 'put'; readonly name: string; readonly definition: StoredEntryDefinition }
  | { readonly op: 'remove'; readonly name: string };

/** The holder's answer: a JSON value, or a one-line error. */
export type BeatReply =
  { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly error: string };

const REPLY_TO = 'amq.rabbitmq.reply-to';

type Pending = { resolve: (value: JsonValue) => void; reject: (error: Error) => void };

/** The requesting side: one channel consuming direct reply-to. */
export class BeatRequester {
  readonly #channel: Channel;
  readonly #queue: string;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  #closed: string | undefined;

  private constructor(channel: Channel, queue: string, timeoutMs: number) {
    this.#channel = channel;
    this.#queue = queue;
    this.#timeoutMs = timeoutMs;
  }

  /** Start consuming replies on `channel`; requests go to `queue`. */
  static async open(channel: Channel, queue: string, timeoutMs: number): Promise<BeatRequester> {
    const requester = new BeatRequester(channel, queue, timeoutMs);
    channel.on('close', () => requester.fail('the channel closed'));
    channel.on('error', (error: unknown) => requester.fail(oneLine(error)));
    await channel.consume(REPLY_TO, (message) => requester.#onReply(message), { noAck: true });
    return requester;
  }

  /** Send `request` and wait for the holder's reply. */
  ask(request: BeatRequest): Promise<JsonValue> {
    if (this.#closed !== undefined) {
      return Promise.reject(new ConnectionLostError(`beat coordination: ${this.#closed}`));
    }
    const id = randomUUID();
    return new Promise<JsonValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new TimeoutError(
            `No beat coordinator answered "${request.op}" on RabbitMQ queue ${JSON.stringify(this.#queue)} within ${this.#timeoutMs} ms: the replica holding the token is hung or cut off (the broker takes the token back after about two missed heartbeats)`,
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      try {
        this.#channel.sendToQueue(this.#queue, Buffer.from(JSON.stringify(request)), {
          replyTo: REPLY_TO,
          correlationId: id,
          expiration: String(this.#timeoutMs),
          contentType: 'application/json',
        });
      } catch (error) {
        this.#pending
          .get(id)
          ?.reject(new ConnectionLostError(`beat coordination: ${oneLine(error)}`));
        this.#pending.delete(id);
      }
    });
  }

  /** Fail every pending request (the connection or channel is gone). */
  fail(reason: string): void {
    this.#closed ??= reason;
    for (const pending of this.#pending.values()) {
      pending.reject(new ConnectionLostError(`beat coordination: ${reason}`));
    }
    this.#pending.clear();
  }

  #onReply(message: ConsumeMessage | null): void {
    if (message === null) return;
    const id = message.properties.correlationId as string | undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (pending === undefined || id === undefined) return;
    this.#pending.delete(id);
    let reply: BeatReply;
    try {
      reply = JSON.parse(message.content.toString('utf8')) as BeatReply;
    } catch {
      pending.reject(new ConnectionLostError('beat coordination: a reply was not JSON'));
      return;
    }
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ConnectionLostError(`beat coordination: ${reply.error}`));
  }
}

/** Parse a request body; undefined when it is not one. */
export function decodeRequest(message: ConsumeMessage): BeatRequest | undefined {
  try {
    const value = JSON.parse(message.content.toString('utf8')) as { op?: unknown };
    return typeof value.op === 'string' ? (value as BeatRequest) : undefined;
  } catch {
    return undefined;
  }
}

/** Send `reply` to the requester of `message` (when it asked for one). */
export function sendReply(channel: Channel, message: ConsumeMessage, reply: BeatReply): void {
  const replyTo = message.properties.replyTo as string | undefined;
  if (replyTo === undefined) return;
  const correlationId = message.properties.correlationId as string | undefined;
  channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), {
    contentType: 'application/json',
    ...(correlationId === undefined ? {} : { correlationId }),
  });
}
