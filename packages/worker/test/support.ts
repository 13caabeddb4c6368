/**
 * Test fixtures for the worker: Celery v2 task messages as a Python client sends them,
 * an isolated memory broker and result store per test, and a simulated clock.
 */
import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { BrokerMessage, ResultMeta } from '@celeriac/protocol';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import { waitFor } from '@celeriac/testing';
import {
  createWorker,
  type TaskImplementation,
  type Worker,
  type WorkerOptions,
} from '@celeriac/worker';
import { createRecordingLogger, type RecordingLogger } from '../src/logger.js';
import { SimulatedClock } from '@celeriac/actors';
import { RecordingTransport } from './recording-transport.js';

export { RecordingTransport, SimulatedClock, waitFor };

const encoder = new TextEncoder();

/** Options of {@link celeryMessage}. */
export interface CeleryMessageOptions {
  id?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  eta?: string | null;
  expires?: string | null;
  retries?: number;
  timelimit?: [number | null, number | null];
  headers?: Record<string, unknown>;
  embed?: Record<string, unknown>;
  compress?: boolean;
  contentType?: string;
}

/** A protocol v2 message shaped like a Celery 5.2.6 client's (§1.2 of the wire notes). */
export function celeryMessage(task: string, options: CeleryMessageOptions = {}): BrokerMessage {
  const id = options.id ?? randomUUID();
  const args = options.args ?? [];
  const kwargs = options.kwargs ?? {};
  const json = JSON.stringify([
    args,
    kwargs,
    options.embed ?? { callbacks: null, errbacks: null, chain: null, chord: null },
  ]);
  const body = options.compress ? deflateSync(encoder.encode(json)) : encoder.encode(json);
  return {
    body,
    contentType: options.contentType ?? 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      lang: 'py',
      task,
      id,
      shadow: null,
      eta: options.eta ?? null,
      expires: options.expires ?? null,
      group: null,
      group_index: null,
      retries: options.retries ?? 0,
      timelimit: options.timelimit ?? [null, null],
      root_id: id,
      parent_id: null,
      argsrepr: JSON.stringify(args),
      kwargsrepr: JSON.stringify(kwargs),
      origin: 'gen1@test',
      ignore_result: false,
      ...(options.compress ? { compression: 'application/x-gzip' } : {}),
      ...options.headers,
    },
    properties: {
      correlationId: id,
      replyTo: '292e42e8-6ac4-3da7-8ce2-87e858b1e53c',
      deliveryMode: 2,
      priority: 0,
    },
  };
}

/** An isolated broker + result store + logger + clock, and a worker factory on them. */
export class Fixture implements AsyncDisposable {
  readonly broker = new MemoryBroker({ name: `worker-test-${randomUUID()}` });
  readonly results = new MemoryResultBackend({ store: new MemoryResultStore() });
  readonly producer = new MemoryTransport({ broker: this.broker });
  readonly logger: RecordingLogger = createRecordingLogger();
  readonly clock: SimulatedClock;
  readonly queue = `q-${randomUUID().slice(0, 8)}`;
  readonly #workers: Worker[] = [];
  readonly #transports: MemoryTransport[] = [this.producer];
  /** The recording transport of each worker, in creation order. */
  readonly transports: RecordingTransport[] = [];

  constructor(options: { simulated?: boolean } = {}) {
    this.clock = new SimulatedClock(Date.now());
    this.simulated = options.simulated ?? true;
  }
  readonly simulated: boolean;

  /** A worker on this fixture's broker (consumer transport of its own). */
  worker(tasks: TaskImplementation[], options: Partial<WorkerOptions> = {}): Worker {
    const inner = new MemoryTransport({ broker: this.broker });
    this.#transports.push(inner);
    const transport = new RecordingTransport(inner);
    this.transports.push(transport);
    const worker = createWorker({
      transport,
      backend: this.results,
      tasks,
      queues: [this.queue],
      hostname: `w${this.#workers.length + 1}@test`,
      logger: this.logger,
      control: false,
      ...(this.simulated ? { clock: this.clock } : {}),
      ...options,
    });
    this.#workers.push(worker);
    return worker;
  }

  /** Publish `message` to the fixture's queue through the default exchange. */
  async send(message: BrokerMessage, queue = this.queue): Promise<string> {
    await this.producer.declareQueue({ name: queue });
    await this.producer.publish(message, { exchange: '', routingKey: queue });
    return String(message.headers.id);
  }

  /** Wait until the backend holds a meta for `id` matching `status`. */
  async result(id: string, status?: string, timeoutMs = 5000): Promise<ResultMeta> {
    return waitFor(
      async () => {
        const meta = await this.results.get(id);
        return (status ? meta.status === status : meta.status !== 'PENDING') ? meta : undefined;
      },
      { timeoutMs, description: `${status ?? 'a result'} for ${id}` },
    );
  }

  /** Lines logged at `level` so far. */
  logged(level: 'debug' | 'info' | 'warn' | 'error') {
    return this.logger.lines.filter((l) => l.level === level);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const worker of this.#workers) await worker.stop({ mode: 'cold' }).catch(() => {});
    for (const transport of this.#transports) await transport.close().catch(() => {});
    await this.results.close();
  }
}
