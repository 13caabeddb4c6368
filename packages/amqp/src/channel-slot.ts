/**
 * A lazily opened channel that is opened again after it closes — with its connection, or
 * by a channel error such as `404 NOT_FOUND` from a passive declare.
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { LiveConnection } from './amqp-connection.js';
import type { AmqpLogger } from './logger.js';

/** One reusable channel per connection generation. */
export class ChannelSlot<C extends Channel> {
  #current: { generation: number; channel: Promise<C>; open?: C } | undefined;
  readonly #open: (model: ChannelModel) => Promise<C>;
  readonly #logger: AmqpLogger;
  readonly #name: string;
  readonly #onClose: (() => void) | undefined;

  constructor(
    name: string,
    open: (model: ChannelModel) => Promise<C>,
    logger: AmqpLogger,
    onClose?: () => void,
  ) {
    this.#name = name;
    this.#open = open;
    this.#logger = logger;
    this.#onClose = onClose;
  }

  /** The channel of `live` when it is open now, without waiting; else undefined. */
  peek(live: LiveConnection): C | undefined {
    const current = this.#current;
    return current !== undefined && current.generation === live.generation
      ? current.open
      : undefined;
  }

  /** The open channel of `live`, opening one when there is none. */
  get(live: LiveConnection): Promise<C> {
    const current = this.#current;
    if (current !== undefined && current.generation === live.generation) return current.channel;
    const entry: { generation: number; channel: Promise<C>; open?: C } = {
      generation: live.generation,
      channel: this.#open(live.model).then((channel) => {
        entry.open = channel;
        channel.on('error', (error: Error) => {
          // Channel errors also reject the operation that caused them; this is the record.
          this.#logger.debug?.(`${this.#name} channel closed by the broker`, { error });
        });
        channel.on('close', () => {
          delete entry.open;
          if (this.#current === entry) this.#current = undefined;
          this.#onClose?.();
        });
        return channel;
      }),
    };
    entry.channel.catch(() => {
      if (this.#current === entry) this.#current = undefined;
    });
    this.#current = entry;
    return entry.channel;
  }
}
