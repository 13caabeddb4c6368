/**
 * A connection to a {@link MemoryBroker}: the `Transport` of `memory://` URLs.
 */
import { ClosedError, TransportStatus } from '@celeriac/protocol';
import type {
  Binding,
  BrokerMessage,
  ConsumeOptions,
  Delivery,
  ExchangeSpec,
  PublishOptions,
  QueueSpec,
  Route,
  Subscription,
  Transport,
  TransportStatusEvent,
} from '@celeriac/protocol';
import { memoryBroker, memoryUrlName } from './memory-registry.js';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryConsumer } from './memory-consumer.js';
import type { ConsumerHost } from './memory-consumer.js';
import type { MemoryDelivery } from './memory-delivery.js';

const RESOLVED: Promise<void> = Promise.resolve();
let transportCount = 0;

/** Options of {@link MemoryTransport}. */
export interface MemoryTransportOptions {
  /** The broker to connect to (default: the process-wide `memory://` broker). */
  broker?: MemoryBroker;
  /** Name for errors and delivery tags. */
  name?: string;
  /**
   * Receives errors thrown by `onMessage` callbacks. Without it such an error is thrown
   * again outside the broker (an uncaught exception), never swallowed.
   */
  onError?: (error: unknown) => void;
}

/**
 * A connection to an in-process {@link MemoryBroker}. Several transports on one broker
 * talk to each other like connections to one RabbitMQ vhost. Operations on a transport
 * that was never connected connect it first.
 *
 * @example
 * ```ts
 * await using transport = new MemoryTransport();
 * await transport.declareQueue({ name: 'celery' });
 * await transport.consume(['celery'], (d) => void d.ack(), { prefetch: 10 });
 * await transport.publish(message, { exchange: '', routingKey: 'celery' });
 * ```
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly broker: MemoryBroker;
  readonly name: string;
  #status: TransportStatus = TransportStatus.idle;
  #closing: Promise<void> | undefined;
  #tagCount = 0;
  readonly #listeners = new Set<(event: TransportStatusEvent) => void>();
  readonly #consumers = new Set<MemoryConsumer>();
  readonly #unsettled = new Set<MemoryDelivery>();
  readonly #exclusive = new Set<string>();
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #host: ConsumerHost;

  constructor(options: MemoryTransportOptions = {}) {
    this.broker = options.broker ?? memoryBroker('');
    this.name = options.name ?? `memory-${++transportCount}`;
    this.#onError = options.onError;
    const isOpen = () => this.#status === TransportStatus.connected;
    this.#host = {
      broker: this.broker,
      get open() {
        return isOpen();
      },
      nextTag: () => `${this.name}.${++this.#tagCount}`,
      track: (delivery) => this.#unsettled.add(delivery),
      untrack: (delivery) => this.#unsettled.delete(delivery),
      report: (error) => this.#report(error),
      forget: (consumer) => this.#consumers.delete(consumer),
    };
  }

  get status(): TransportStatus {
    return this.#status;
  }

  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  connect(): Promise<void> {
    const closed = this.#closedError();
    if (closed) return Promise.reject(closed);
    return RESOLVED;
  }

  declareExchange(spec: ExchangeSpec): Promise<void> {
    return this.#run(() => this.broker.declareExchange(spec));
  }

  declareQueue(spec: QueueSpec): Promise<void> {
    return this.#run(() => {
      const existed = this.broker.getQueue(spec.name) !== undefined;
      this.broker.declareQueue(spec);
      if (spec.exclusive && !existed) this.#exclusive.add(spec.name);
    });
  }

  bindQueue(binding: Binding): Promise<void> {
    return this.#run(() => this.broker.bindQueue(binding));
  }

  deleteQueue(name: string): Promise<void> {
    return this.#run(() => this.broker.deleteQueue(name));
  }

  purgeQueue(name: string): Promise<number> {
    return this.#run(() => this.broker.purgeQueue(name));
  }

  queueLength(name: string): Promise<number> {
    return this.#run(() => this.broker.queueLength(name));
  }

  publish(message: BrokerMessage, route: Route, options?: PublishOptions): Promise<void> {
    if (options?.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    return this.#run(() => void this.broker.publish(message, route));
  }

  consume(
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    return this.#run(() => {
      const targets = queues.map((name) => this.broker.requireQueue(name));
      const consumer = new MemoryConsumer(this.#host, targets, onMessage, options.prefetch);
      this.#consumers.add(consumer);
      consumer.start();
      return consumer;
    });
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    if (this.#status === TransportStatus.idle) this.#setStatus(TransportStatus.connected);
    this.#setStatus(TransportStatus.closing);
    for (const consumer of [...this.#consumers]) consumer.detach();
    // Back to the front of their queues, in delivery order, marked redelivered.
    const unsettled = [...this.#unsettled].reverse();
    this.#unsettled.clear();
    for (const delivery of unsettled) {
      delivery.settled = true;
      const queue = delivery.source;
      if (queue.deleted) continue;
      delivery.entry.redelivered = true;
      queue.unshift(delivery.entry);
      this.broker.schedule(queue);
    }
    for (const name of this.#exclusive) this.broker.deleteQueue(name);
    this.#exclusive.clear();
    await RESOLVED;
    this.#setStatus(TransportStatus.closed);
  }

  /** Run a broker operation as an async transport call: connect first, reject when closed. */
  #run<T>(operation: () => T): Promise<T> {
    const closed = this.#closedError();
    if (closed) return Promise.reject(closed);
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Connects an idle transport; returns the error to reject with when closed. */
  #closedError(): ClosedError | undefined {
    if (this.#status === TransportStatus.connected) return undefined;
    if (this.#status === TransportStatus.idle) {
      this.#setStatus(TransportStatus.connecting);
      this.#setStatus(TransportStatus.connected);
      return undefined;
    }
    return new ClosedError(`memory transport ${this.name}`);
  }

  #setStatus(status: TransportStatus): void {
    this.#status = status;
    for (const listener of [...this.#listeners]) listener({ status });
  }

  #report(error: unknown): void {
    if (this.#onError) {
      this.#onError(error);
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * A transport on the shared broker a `memory://` URL names (`memory://` and
 * `memory://foo` are two brokers); every transport made from one URL in this process
 * reaches the same queues.
 *
 * @example
 * ```ts
 * const producer = createMemoryTransport('memory://shop');
 * const consumer = createMemoryTransport('memory://shop');
 * ```
 */
export function createMemoryTransport(
  url = 'memory://',
  options: Omit<MemoryTransportOptions, 'broker'> = {},
): MemoryTransport {
  return new MemoryTransport({ ...options, broker: memoryBroker(memoryUrlName(url)) });
}
