/**
 * The control client's reply queue, kombu's `Mailbox.reply_queue`:
 * `<oid>.reply.celery.pidbox` bound to the direct `reply.celery.pidbox` exchange with
 * routing key `<oid>` (non-durable, auto-delete, `x-expires` 10 s, `x-message-ttl`
 * 300 s). Workers reply there with the request's `ticket` header; each reply goes to the
 * collection waiting for that ticket, others are dropped.
 *
 * Lifecycle: declared and consumed when the first collection starts, cancelled and
 * deleted when the last one ends — what kombu does on Redis after each collect — so an
 * idle client holds nothing on the broker and a crashed one leaves at most one small
 * queue that RabbitMQ expires by itself.
 */
import { decodeControlReply, Pidbox } from '@celeriac/protocol';
import type { Delivery, Subscription, Transport } from '@celeriac/protocol';
import type { ControlLogger } from './control-options.js';

/** What the reply queue needs from its control client. */
export interface ReplyQueueHost {
  readonly transport: Transport;
  readonly oid: string;
  readonly logger: ControlLogger;
  /** Connect and declare the reply exchange (memoized by the host). */
  prepare(): Promise<void>;
  /** A reply's Lamport clock, to move the client's clock forward. */
  observeClock(clock: number): void;
}

/** How one collection ends. */
export interface CollectOptions {
  /** Stop after this many replies; undefined: only the timeout ends it. */
  limit: number | undefined;
  /** Silence after which it ends, in milliseconds (reset by each reply). */
  timeoutMs: number;
  onReply: ((node: string, reply: unknown) => void) | undefined;
}

/** Replies to one ticket, being collected. */
export interface Collection {
  /** Resolves with `{node: reply}` once the limit or the timeout is reached. */
  readonly replies: Promise<Record<string, unknown>>;
  /** The request was published: start the timeout. */
  start(): void;
  /** The request was not published: end now with nothing. */
  cancel(): void;
}

class Collector implements Collection {
  readonly replies: Promise<Record<string, unknown>>;
  readonly #got: Record<string, unknown> = {};
  #count = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #resolve!: (replies: Record<string, unknown>) => void;

  constructor(
    readonly options: CollectOptions,
    readonly logger: ControlLogger,
    readonly onEnd: () => void,
  ) {
    this.replies = new Promise((resolve) => (this.#resolve = resolve));
  }

  start(): void {
    if (this.options.limit !== undefined && this.#count >= this.options.limit) this.#end();
    else this.#arm();
  }

  cancel(): void {
    this.#end();
  }

  add(node: string, reply: unknown): void {
    if (this.#ended) return;
    // A node answering twice (two workers with one name): the last reply wins, as
    // Celery's flatten_reply keeps it.
    this.#got[node] = reply;
    this.#count += 1;
    try {
      this.options.onReply?.(node, reply);
    } catch (error) {
      this.logger.warn('A control reply callback threw', { node, error: String(error) });
    }
    if (this.options.limit !== undefined && this.#count >= this.options.limit) this.#end();
    else if (this.#timer !== undefined) this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#end(), this.options.timeoutMs);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#resolve(this.#got);
    this.onEnd();
  }
}

/** The reply queue of one control client. */
export class ReplyQueue {
  readonly name: string;
  readonly #host: ReplyQueueHost;
  readonly #collectors = new Map<string, Collector>();
  #users = 0;
  #ready: Promise<Subscription> | undefined;
  #closing: Promise<void> = Promise.resolve();

  constructor(host: ReplyQueueHost) {
    this.#host = host;
    this.name = Pidbox.replyQueue(host.oid);
  }

  /** Collections waiting now. */
  get pending(): number {
    return this.#collectors.size;
  }

  /** Start collecting replies to `ticket`; resolves once the queue is consuming. */
  async collect(ticket: string, options: CollectOptions): Promise<Collection> {
    this.#users += 1;
    try {
      await this.#closing;
      this.#ready ??= this.#open();
      await this.#ready;
    } catch (error) {
      this.#release();
      throw error;
    }
    const collector = new Collector(options, this.#host.logger, () => {
      this.#collectors.delete(ticket);
      this.#release();
    });
    this.#collectors.set(ticket, collector);
    return collector;
  }

  /** Resolves once the queue is gone (after the last collection ended). */
  idle(): Promise<void> {
    return this.#closing;
  }

  async #open(): Promise<Subscription> {
    const { transport, oid } = this.#host;
    try {
      await this.#host.prepare();
      await transport.declareQueue({
        name: this.name,
        durable: false,
        autoDelete: true,
        expiresMs: 10_000,
        messageTtlMs: 300_000,
      });
      await transport.bindQueue({
        queue: this.name,
        exchange: Pidbox.replyExchange,
        routingKey: oid,
      });
      return await transport.consume([this.name], (d) => void this.#receive(d), {
        prefetch: 0,
        consumerTag: `${oid}-control-replies`,
      });
    } catch (error) {
      this.#ready = undefined;
      throw error;
    }
  }

  #release(): void {
    this.#users -= 1;
    if (this.#users > 0 || this.#ready === undefined) return;
    const ready = this.#ready;
    this.#ready = undefined;
    this.#closing = ready.then(
      (subscription) => this.#teardown(subscription),
      // The open failed: the caller that started it got the error; nothing to remove.
      () => undefined,
    );
  }

  async #teardown(subscription: Subscription): Promise<void> {
    try {
      await subscription.cancel();
      await this.#host.transport.deleteQueue(this.name);
    } catch (error) {
      // Left behind: RabbitMQ expires it (x-expires 10 s); on Redis it is a binding and
      // an empty list nobody writes to. Worth a line, not a failed call.
      this.#host.logger.warn('Could not remove the control reply queue', {
        queue: this.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #receive(delivery: Delivery): Promise<void> {
    try {
      await delivery.ack();
    } catch (error) {
      this.#host.logger.warn('Could not acknowledge a control reply', {
        queue: this.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    let reply;
    try {
      reply = decodeControlReply(delivery.message);
    } catch (error) {
      this.#host.logger.warn('Ignoring a malformed control reply', {
        queue: this.name,
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (reply.clock !== null) this.#host.observeClock(reply.clock);
    // Replies to a ticket nobody waits for any more (a late worker) are dropped.
    this.#collectors.get(reply.ticket)?.add(reply.hostname, reply.value);
  }
}
