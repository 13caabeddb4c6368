/**
 * Test fixtures: an isolated memory broker and result store per test, a client on them,
 * and a consumer that takes the published messages off a queue for inspection.
 */
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import { decodeTaskMessage } from '@celeriac/protocol';
import type {
  Binding,
  BrokerMessage,
  ConsumeOptions,
  Delivery,
  ExchangeSpec,
  PublishOptions,
  QueueSpec,
  ResultMeta,
  Route,
  Transport,
  TransportStatusEvent,
} from '@celeriac/protocol';
import { createClient, type Client, type ClientOptions } from '@celeriac/client';

/** A test's broker, store, client, and helpers to read what was published. */
export class Fixture implements AsyncDisposable {
  readonly broker = new MemoryBroker({ name: 'client-test' });
  readonly store = new MemoryResultStore();
  readonly transport = new MemoryTransport({ broker: this.broker });
  readonly backend = new MemoryResultBackend({ store: this.store });
  /** The consumer side: a separate connection, as a worker would have. */
  readonly consumer = new MemoryTransport({ broker: this.broker });
  readonly client: Client;

  constructor(options: Partial<ClientOptions> = {}) {
    this.client = createClient({ transport: this.transport, backend: this.backend, ...options });
  }

  /** Another client on the same broker and store. */
  makeClient(options: Partial<ClientOptions> = {}): Client {
    return createClient({ transport: this.transport, backend: this.backend, ...options });
  }

  /** Take the next `count` deliveries from `queue` (acked), waiting up to 2 s. */
  async take(queue: string, count = 1): Promise<Delivery[]> {
    const got: Delivery[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const subscription = await this.consumer.consume(
      [queue],
      (delivery) => {
        got.push(delivery);
        void delivery.ack();
        if (got.length === count) done();
      },
      { prefetch: 0 },
    );
    const timer = setTimeout(done, 2000);
    await finished;
    clearTimeout(timer);
    await subscription.cancel();
    if (got.length < count) {
      throw new Error(`expected ${count} message(s) on ${queue}, got ${got.length}`);
    }
    return got;
  }

  /** Take one task message from `queue` and decode it with the protocol's decoder. */
  async takeTask(queue = 'celery') {
    const [delivery] = await this.take(queue);
    return { delivery: delivery!, task: decodeTaskMessage(delivery!.message) };
  }

  /** Store a meta as a worker would. */
  async storeResult(meta: Partial<ResultMeta> & Pick<ResultMeta, 'taskId' | 'status'>) {
    await this.backend.store({
      result: null,
      traceback: null,
      children: [],
      dateDone: null,
      ...meta,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.client.close();
    await this.transport.close();
    await this.consumer.close();
    await this.backend.close();
  }
}

/**
 * A transport that forwards to another and can fail publishes on purpose: the
 * broker-failure stand-in for publish-retry tests, and a recorder of what was published.
 */
export class FlakyTransport implements Transport {
  readonly kind: string;
  readonly published: { message: BrokerMessage; route: Route }[] = [];
  /** Publish attempts, failed ones included. */
  attempts = 0;
  #failures: (() => Error)[] = [];

  constructor(readonly inner: Transport) {
    this.kind = inner.kind;
  }

  /** Make the next `count` publishes throw `make()`. */
  failNext(count: number, make: () => Error): void {
    for (let i = 0; i < count; i++) this.#failures.push(make);
  }

  get status() {
    return this.inner.status;
  }
  onStatus(listener: (event: TransportStatusEvent) => void) {
    return this.inner.onStatus(listener);
  }
  connect() {
    return this.inner.connect();
  }
  declareExchange(spec: ExchangeSpec) {
    return this.inner.declareExchange(spec);
  }
  declareQueue(spec: QueueSpec) {
    return this.inner.declareQueue(spec);
  }
  bindQueue(binding: Binding) {
    return this.inner.bindQueue(binding);
  }
  deleteQueue(name: string) {
    return this.inner.deleteQueue(name);
  }
  purgeQueue(name: string) {
    return this.inner.purgeQueue(name);
  }
  queueLength(name: string) {
    return this.inner.queueLength(name);
  }
  async publish(message: BrokerMessage, route: Route, options?: PublishOptions) {
    this.attempts++;
    const fail = this.#failures.shift();
    if (fail) throw fail();
    this.published.push({ message, route });
    return this.inner.publish(message, route, options);
  }
  consume(queues: readonly string[], onMessage: (d: Delivery) => void, options: ConsumeOptions) {
    return this.inner.consume(queues, onMessage, options);
  }
  close() {
    return this.inner.close();
  }
  [Symbol.asyncDispose]() {
    return this.close();
  }
}

/** A memory result backend that names a reply queue, as `rpc://` does. */
export class ReplyQueueBackend extends MemoryResultBackend {
  readonly replyTo = 'rpc-oid';
}
