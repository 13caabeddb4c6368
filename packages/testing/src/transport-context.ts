/**
 * Per-test state of the transport conformance suite: the fixture, every transport and
 * queue a test made (released after it), and the waits tuned by the fixture.
 */
import type { QueueSpec, Transport } from '@celeriac/protocol';
import type { TransportFixture } from './transport-fixture.js';
import { uniqueName } from './unique-name.js';
import { sleep } from './wait-for.js';

/** What each conformance test works with; made fresh for every test. */
export class TransportTestContext {
  readonly fixture: TransportFixture;
  readonly quietMs: number;
  readonly timeoutMs: number;
  readonly #transports: Transport[] = [];
  readonly #queues = new Set<string>();

  constructor(fixture: TransportFixture) {
    this.fixture = fixture;
    this.quietMs = fixture.quietMs ?? 150;
    this.timeoutMs = fixture.timeoutMs ?? 5000;
  }

  /** A unique name from the fixture (or the default helper). */
  name(prefix: string): string {
    return this.fixture.uniqueName?.(prefix) ?? uniqueName(prefix);
  }

  /** A new transport, connected unless `connect` is false; closed after the test. */
  async transport(connect = true): Promise<Transport> {
    const transport = await this.fixture.createTransport();
    this.#transports.push(transport);
    if (connect) await transport.connect();
    return transport;
  }

  /** Declare a uniquely named queue (deleted after the test) and return its name. */
  async queue(transport: Transport, spec: Partial<QueueSpec> = {}): Promise<string> {
    const name = spec.name ?? this.name('q');
    this.#queues.add(name);
    await transport.declareQueue({ durable: false, ...spec, name });
    return name;
  }

  /** Remember a queue declared another way, so it is deleted after the test. */
  track(queue: string): void {
    this.#queues.add(queue);
  }

  /** Wait the fixture's quiet period: only to assert that nothing (more) happens. */
  quiet(): Promise<void> {
    return sleep(this.quietMs);
  }

  /** Close every transport, delete every queue, then run the fixture's cleanup. */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    const closing = this.#transports.map((t) => t.close().catch((e: unknown) => errors.push(e)));
    await Promise.all(closing);
    if (this.#queues.size > 0) {
      try {
        const admin = await this.fixture.createTransport();
        try {
          await admin.connect();
          for (const queue of this.#queues) await admin.deleteQueue(queue);
        } finally {
          await admin.close();
        }
      } catch (error) {
        errors.push(error);
      }
    }
    await this.fixture.cleanup?.();
    if (errors.length > 0) {
      throw new AggregateError(errors, 'conformance test cleanup failed');
    }
  }
}
