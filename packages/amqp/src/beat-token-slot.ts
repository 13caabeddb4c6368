/**
 * A replica's place in the line for its namespace's token: one confirm channel of the
 * coordination's connection, consuming the single-active-consumer leader queue with
 * prefetch 1. RabbitMQ delivers the token to one consumer only and takes it back only when
 * that consumer's channel closes, so the slot that holds it is the only one that may read or
 * change the state it carries. Every change is a new token published on this channel with a
 * confirm, then the held one acknowledged; the broker hands the new one straight back (this
 * consumer stays the active one). While holding, the slot also serves the other replicas'
 * requests from the commands queue.
 */
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { BeatState } from './beat-state.js';
import { EMPTY_STATE, bump, decodeState, encodeState } from './beat-state.js';
import { oneLine } from './connection-errors.js';

/** Queue names of one namespace. */
export interface BeatQueues {
  /** Single-active-consumer queue holding the token. */
  readonly leader: string;
  /** Requests to whoever holds the token. */
  readonly commands: string;
}

/** What a slot calls back. */
export interface SlotHandlers {
  /** The slot took the token and knows the state; it may now start a term. */
  onToken(slot: TokenSlot): Promise<void>;
  /** A request from the commands queue, while holding; resolve once replied. */
  onRequest(slot: TokenSlot, message: ConsumeMessage): Promise<void>;
  /** The channel closed (released, fenced by the broker, connection lost). */
  onClosed(slot: TokenSlot, reason: string): void;
}

/** A commit found a token at least as new as its own: it was computed from a stale state. */
export class StaleTokenError extends Error {
  constructor() {
    super('a newer token than the one computed was found; computed again from it');
  }
}

/** How long a new token may take to come back after the old one is acknowledged. */
const REDELIVERY_TIMEOUT_MS = 10_000;

type Waiter = { resolve: (m: ConsumeMessage) => void; reject: (e: Error) => void };

/** One replica's token channel; see the module comment. */
export class TokenSlot {
  readonly #channel: ConfirmChannel;
  readonly #queues: BeatQueues;
  readonly #handlers: SlotHandlers;
  /** Token deliveries held unacknowledged (one, with prefetch 1). */
  #held: ConsumeMessage[] = [];
  #state: BeatState | undefined;
  #heldSince = 0;
  #closed: string | undefined;
  #waiter: Waiter | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(channel: ConfirmChannel, queues: BeatQueues, handlers: SlotHandlers) {
    this.#channel = channel;
    this.#queues = queues;
    this.#handlers = handlers;
  }

  /** Open a slot on `channel`: join the line for the token. */
  static async open(
    channel: ConfirmChannel,
    queues: BeatQueues,
    handlers: SlotHandlers,
  ): Promise<TokenSlot> {
    const slot = new TokenSlot(channel, queues, handlers);
    channel.on('close', () => slot.#onClose('channel closed'));
    channel.on('error', (error: unknown) => {
      slot.#closed ??= oneLine(error);
    });
    await channel.prefetch(1);
    await channel.consume(queues.leader, (message) => slot.#onDelivery(message), { noAck: false });
    return slot;
  }

  /** The state carried by the held token; undefined until the token arrived. */
  get state(): BeatState | undefined {
    return this.#closed === undefined ? this.#state : undefined;
  }

  /** Why the slot is closed, or undefined while open. */
  get closedReason(): string | undefined {
    return this.#closed;
  }

  /** How long the current token has been held, in ms. */
  get heldForMs(): number {
    return Date.now() - this.#heldSince;
  }

  /** The channel (for replies). */
  get channel(): Channel {
    return this.#channel;
  }

  /** Run `step` after every earlier step of this slot: state changes happen one at a time. */
  serialize<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(step, step);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Make `next` the state: publish it as the new token, wait for its confirm, acknowledge
   * the held token, and hold the new one when the broker hands it back; older tokens that
   * come first (a bootstrap race, a holder that died between publishing and acknowledging)
   * are dropped. Rejects with {@link StaleTokenError} when a token at least as new as `next`
   * that is not `next` comes first: `next` was computed from a stale state; the slot now
   * holds that token and its state, and the caller computes again. Rejects with an `Error`
   * when the channel closes first (then `next` was perhaps stored, but this slot no longer
   * holds it).
   */
  async commit(next: BeatState): Promise<void> {
    if (this.#closed !== undefined) throw new Error(`token channel closed: ${this.#closed}`);
    await new Promise<void>((resolve, reject) => {
      this.#channel.sendToQueue(
        this.#queues.leader,
        encodeState(next),
        { persistent: true, contentType: 'application/json' },
        (error: unknown) => (error ? reject(new Error(oneLine(error))) : resolve()),
      );
    });
    const redelivered = this.#nextDelivery();
    for (const message of this.#held) this.#channel.ack(message);
    this.#held = [];
    for (;;) {
      const message = await redelivered.next();
      const carried = decodeState(message.content);
      if (carried?.id === next.id) {
        this.#hold(message, next);
        return;
      }
      if (carried !== undefined && carried.seq >= next.seq) {
        this.#hold(message, carried);
        throw new StaleTokenError();
      }
      this.#channel.ack(message);
    }
  }

  #hold(message: ConsumeMessage, state: BeatState): void {
    this.#held = [message];
    this.#state = state;
    this.#heldSince = Date.now();
  }

  /** Close the channel: a held token goes back to the queue, to the next in line. */
  async close(): Promise<void> {
    if (this.#closed !== undefined) return;
    this.#onClose('released');
    try {
      await this.#channel.close();
    } catch {
      // Already closed by the broker or with the connection: the token is back either way.
    }
  }

  #nextDelivery(): { next: () => Promise<ConsumeMessage> } {
    return {
      next: () =>
        new Promise<ConsumeMessage>((resolve, reject) => {
          if (this.#closed !== undefined) {
            reject(new Error(`token channel closed: ${this.#closed}`));
            return;
          }
          const timer = setTimeout(() => {
            this.#waiter = undefined;
            reject(new Error(`the new token did not come back within ${REDELIVERY_TIMEOUT_MS} ms`));
          }, REDELIVERY_TIMEOUT_MS);
          this.#waiter = {
            resolve: (m) => {
              clearTimeout(timer);
              resolve(m);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          };
        }),
    };
  }

  #onDelivery(message: ConsumeMessage | null): void {
    if (message === null) {
      // basic.cancel from the broker (queue deleted): give everything back.
      void this.close();
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(message);
      return;
    }
    if (this.#state !== undefined) {
      // Not expected (prefetch 1 holds one token); keep it so that it is given back.
      this.#held.push(message);
      return;
    }
    void this.serialize(() => this.#takeFirst(message));
  }

  /**
   * The first token: commit it again at once, so that every token queued before this one
   * has come back and been seen (a newer one found on the way is adopted), before anything
   * is decided from its state. Then serve requests and tell the coordination.
   */
  async #takeFirst(message: ConsumeMessage): Promise<void> {
    try {
      this.#hold(message, decodeState(message.content) ?? EMPTY_STATE);
      for (let attempt = 0; ; attempt++) {
        try {
          await this.commit(bump(this.#state ?? EMPTY_STATE));
          break;
        } catch (error) {
          if (!(error instanceof StaleTokenError) || attempt >= 10) throw error;
        }
      }
      await this.#channel.consume(
        this.#queues.commands,
        (request) => {
          if (request === null) {
            void this.close();
            return;
          }
          void this.serialize(() => this.#handlers.onRequest(this, request));
        },
        { noAck: false },
      );
      await this.#handlers.onToken(this);
    } catch (error) {
      this.#onClose(`taking the token failed: ${oneLine(error)}`);
      await this.close();
    }
  }

  #onClose(reason: string): void {
    if (this.#closed !== undefined && reason === 'channel closed') {
      this.#notifyClosed();
      return;
    }
    this.#closed ??= reason;
    this.#notifyClosed();
  }

  #notified = false;
  #notifyClosed(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new Error(`token channel closed: ${this.#closed ?? 'closed'}`));
    if (this.#notified) return;
    this.#notified = true;
    this.#handlers.onClosed(this, this.#closed ?? 'closed');
  }
}
