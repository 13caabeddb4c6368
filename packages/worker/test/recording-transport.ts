/**
 * A real transport wrapped to record how each delivery was settled (ack / reject /
 * requeue / renew, in order), and to let a test report a connection status as a
 * reconnecting transport would. Every operation still goes to the wrapped transport.
 */
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
  TransportStatus,
  TransportStatusEvent,
} from '@celeriac/protocol';

/** One settlement seen on the wire. */
export interface SettlementRecord {
  id: string;
  action: 'ack' | 'reject' | 'requeue' | 'renew';
}

export class RecordingTransport implements Transport {
  readonly inner: Transport;
  readonly settlements: SettlementRecord[] = [];
  readonly published: { message: BrokerMessage; route: Route }[] = [];
  readonly prefetches: number[] = [];
  readonly #listeners = new Set<(event: TransportStatusEvent) => void>();
  #status: TransportStatus | undefined;

  constructor(inner: Transport) {
    this.inner = inner;
    inner.onStatus((event) => this.#emit(event));
  }

  get kind(): string {
    return this.inner.kind;
  }
  get status(): TransportStatus {
    return this.#status ?? this.inner.status;
  }
  onStatus(listener: (event: TransportStatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Report a status as if the connection changed. */
  reportStatus(status: TransportStatus): void {
    this.#status = status;
    this.#emit({ status });
  }
  #emit(event: TransportStatusEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** Settlements of task `id`, in order. */
  actionsOf(id: string): SettlementRecord['action'][] {
    return this.settlements.filter((s) => s.id === id).map((s) => s.action);
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }
  declareExchange(spec: ExchangeSpec): Promise<void> {
    return this.inner.declareExchange(spec);
  }
  declareQueue(spec: QueueSpec): Promise<void> {
    return this.inner.declareQueue(spec);
  }
  bindQueue(binding: Binding): Promise<void> {
    return this.inner.bindQueue(binding);
  }
  deleteQueue(name: string): Promise<void> {
    return this.inner.deleteQueue(name);
  }
  purgeQueue(name: string): Promise<number> {
    return this.inner.purgeQueue(name);
  }
  queueLength(name: string): Promise<number> {
    return this.inner.queueLength(name);
  }
  /** Set to make every publish fail (a broker out of reach), as a real transport's would. */
  failPublish: Error | undefined;
  publish(message: BrokerMessage, route: Route, options?: PublishOptions): Promise<void> {
    if (this.failPublish) return Promise.reject(this.failPublish);
    this.published.push({ message, route });
    return this.inner.publish(message, route, options);
  }
  async consume(
    queues: readonly string[],
    onMessage: (delivery: Delivery) => void,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    this.prefetches.push(options.prefetch);
    const record = (delivery: Delivery, action: SettlementRecord['action']) =>
      this.settlements.push({ id: String(delivery.message.headers.id), action });
    const subscription = await this.inner.consume(
      queues,
      (delivery) =>
        onMessage({
          message: delivery.message,
          deliveryTag: delivery.deliveryTag,
          exchange: delivery.exchange,
          routingKey: delivery.routingKey,
          queue: delivery.queue,
          redelivered: delivery.redelivered,
          ack: () => {
            record(delivery, 'ack');
            return delivery.ack();
          },
          reject: (o) => {
            record(delivery, o.requeue ? 'requeue' : 'reject');
            return delivery.reject(o);
          },
          renew: () => {
            record(delivery, 'renew');
            return delivery.renew();
          },
        }),
      options,
    );
    return {
      setPrefetch: (prefetch) => {
        this.prefetches.push(prefetch);
        subscription.setPrefetch(prefetch);
      },
      cancel: () => subscription.cancel(),
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
