/**
 * The event receiver, Celery's `EventReceiver`: a queue of its own (`celeryev.<uuid>`,
 * non-durable, auto-delete, `x-message-ttl` 5 s, `x-expires` 60 s) bound with `#` to the
 * `celeryev` exchange — fanout on Redis (kombu's PUB/SUB channel `/<db>.celeryev/*`),
 * topic elsewhere — so it sees every event of every worker, Python or celeriac.
 * Batches (`task.multi`, a JSON list) and single events alike come out as lists of
 * {@link ReceivedEvent}, stamped with `local_received` and ordered as they arrived; a
 * malformed message is reported and skipped, never thrown.
 */
import {
  decodeEventMessage,
  EVENT_EXCHANGE,
  ExchangeType,
  uuid4,
  type CeleryEvent,
  type Delivery,
  type Subscription,
  type Transport,
} from '@celeriac/protocol';
import { InvalidStateError } from './errors.js';
import type { MonitorLogger } from './monitor-logger.js';
import { consoleLogger } from './monitor-logger.js';

/** An event as received: the wire fields, plus when it arrived here (unix seconds). */
export type ReceivedEvent = CeleryEvent & { local_received: number };

/** Lifecycle of a receiver. */
export const ReceiverState = {
  idle: 'idle',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
} as const;
/** One of the values of {@link ReceiverState}. */
export type ReceiverState = (typeof ReceiverState)[keyof typeof ReceiverState];

/** Options of {@link createEventReceiver}. */
export interface EventReceiverOptions {
  /** The broker connection; connected by `start()`, never closed by the receiver. */
  transport: Transport;
  /** Celery's `event_exchange`; default `celeryev`. */
  exchange?: string;
  /** Binding key (topic exchanges): `#` all events (default), `task.#`, `worker.#`. */
  routingKey?: string;
  /** Celery's `event_queue_prefix`; the queue is `<prefix>.<uuid>`. Default `celeryev`. */
  queuePrefix?: string;
  /** Content types accepted; default JSON only (as Celery's receiver). */
  accept?: readonly string[];
  /** Reports malformed messages; default `console.warn`. */
  logger?: MonitorLogger;
  /** The clock for `local_received`, in ms; default `Date.now`. */
  now?: () => number;
}

/** Receives every event from the events exchange. `AsyncDisposable`. */
export interface EventReceiver extends AsyncDisposable {
  readonly state: ReceiverState;
  /** The receiver's own queue. */
  readonly queue: string;
  /** The receiver's Lamport clock, moved forward by the events' clocks. */
  readonly clock: number;
  /** Messages that could not be decoded, so far. */
  readonly malformed: number;
  /**
   * Call `listener` with the events of each message, in arrival order; returns the
   * function that stops it. A throwing listener is reported and does not stop others.
   */
  subscribe(listener: (events: readonly ReceivedEvent[]) => void): () => void;
  /** Declare the queue, bind it and start consuming. Only from `idle`. */
  start(): Promise<void>;
  /** Stop consuming and delete the queue. Idempotent. */
  stop(): Promise<void>;
}

class CeleriacEventReceiver implements EventReceiver {
  readonly queue: string;
  #state: ReceiverState = ReceiverState.idle;
  #clock = 0;
  #malformed = 0;
  #subscription: Subscription | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #listeners: readonly ((events: readonly ReceivedEvent[]) => void)[] = [];
  readonly #o: Required<Omit<EventReceiverOptions, 'transport'>> & { transport: Transport };

  constructor(options: EventReceiverOptions) {
    this.#o = {
      transport: options.transport,
      exchange: options.exchange ?? EVENT_EXCHANGE,
      routingKey: options.routingKey ?? '#',
      queuePrefix: options.queuePrefix ?? 'celeryev',
      accept: options.accept ?? ['application/json'],
      logger: options.logger ?? consoleLogger,
      now: options.now ?? Date.now,
    };
    this.queue = `${this.#o.queuePrefix}.${uuid4()}`;
  }

  get state(): ReceiverState {
    return this.#state;
  }

  get clock(): number {
    return this.#clock;
  }

  get malformed(): number {
    return this.#malformed;
  }

  subscribe(listener: (events: readonly ReceivedEvent[]) => void): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  start(): Promise<void> {
    if (this.#state !== ReceiverState.idle) {
      return Promise.reject(new InvalidStateError('event receiver', 'start', this.#state));
    }
    this.#state = ReceiverState.starting;
    this.#starting = this.#start();
    return this.#starting;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#state === ReceiverState.idle) {
        this.#state = ReceiverState.stopped;
        return;
      }
      if (this.#starting) {
        try {
          await this.#starting;
        } catch {
          // The start failed and cleaned up; its caller got the error.
          return;
        }
      }
      if (this.#state === ReceiverState.stopped) return;
      this.#state = ReceiverState.stopping;
      await this.#teardown();
    })();
    return this.#stopping;
  }

  async #start(): Promise<void> {
    const { transport, exchange, routingKey } = this.#o;
    try {
      await transport.connect();
      // Celery makes the events exchange fanout on Redis (its topic emulation there
      // cannot match `#` over PUB/SUB), topic on every other broker.
      const type = transport.kind === 'redis' ? ExchangeType.fanout : ExchangeType.topic;
      await transport.declareExchange({ name: exchange, type, durable: true });
      await transport.declareQueue({
        name: this.queue,
        durable: false,
        autoDelete: true,
        messageTtlMs: 5_000,
        expiresMs: 60_000,
      });
      await transport.bindQueue({ queue: this.queue, exchange, routingKey });
      this.#subscription = await transport.consume([this.queue], (d) => void this.#receive(d), {
        prefetch: 0,
        consumerTag: this.queue,
      });
      this.#state = ReceiverState.running;
    } catch (error) {
      this.#state = ReceiverState.stopped;
      await transport.deleteQueue(this.queue).catch((cleanup: unknown) => {
        this.#o.logger.warn('Could not delete the event queue after a failed start', {
          queue: this.queue,
          error: cleanup instanceof Error ? cleanup.message : String(cleanup),
        });
      });
      throw error;
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #teardown(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    try {
      await subscription?.cancel();
      await this.#o.transport.deleteQueue(this.queue);
    } finally {
      this.#state = ReceiverState.stopped;
    }
  }

  async #receive(delivery: Delivery): Promise<void> {
    try {
      await delivery.ack();
    } catch (error) {
      // Events are transient: a lost ack only means the broker may drop or resend one.
      this.#o.logger.warn('Could not acknowledge an event message', {
        queue: this.queue,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (this.#state !== ReceiverState.running) return;
    let events: CeleryEvent[];
    try {
      events = decodeEventMessage(delivery.message, { accept: this.#o.accept });
    } catch (error) {
      this.#malformed += 1;
      this.#o.logger.warn('Ignoring a malformed event message', {
        queue: this.queue,
        routingKey: delivery.routingKey,
        hostname: delivery.message.headers['hostname'],
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    const localReceived = this.#o.now() / 1000;
    const received = events.map((event) => {
      // As Celery's receiver: the clock follows every event but a client's task-sent.
      if (event.type !== 'task-sent' && typeof event.clock === 'number') {
        this.#clock = Math.max(this.#clock, event.clock) + 1;
      }
      return { ...event, local_received: localReceived };
    });
    for (const listener of this.#listeners) {
      try {
        listener(received);
      } catch (error) {
        this.#o.logger.warn('An event listener threw', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}

/**
 * Create an event receiver.
 *
 * @example
 * ```ts
 * await using receiver = createEventReceiver({ transport });
 * receiver.subscribe((events) => {
 *   for (const event of events) console.log(event.type, event.hostname, event['uuid']);
 * });
 * await receiver.start();
 * ```
 */
export function createEventReceiver(options: EventReceiverOptions): EventReceiver {
  return new CeleriacEventReceiver(options);
}
