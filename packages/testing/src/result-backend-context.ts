/**
 * Per-test state of the result backend conformance suite: a reader and a writer over one
 * store, closed after the test.
 */
import { randomUUID } from 'node:crypto';
import type { ResultBackend, ResultMeta } from '@celeriac/protocol';
import type { CreateBackendOptions, ResultBackendFixture } from './result-backend-fixture.js';

/** What each result backend conformance test works with; made fresh for every test. */
export class ResultBackendTestContext {
  readonly fixture: ResultBackendFixture;
  readonly timeoutMs: number;
  readonly #backends: ResultBackend[] = [];

  constructor(fixture: ResultBackendFixture) {
    this.fixture = fixture;
    this.timeoutMs = fixture.timeoutMs ?? 5000;
  }

  /** A new connected backend, closed after the test. */
  async backend(options: CreateBackendOptions = {}): Promise<ResultBackend> {
    const backend = await this.fixture.createBackend(options);
    this.#backends.push(backend);
    await backend.connect();
    return backend;
  }

  /** A client-side reader and a worker-side writer over the same store. */
  async pair(options: CreateBackendOptions = {}): Promise<{
    reader: ResultBackend;
    writer: ResultBackend;
    /** Store through the writer, addressed to the reader as a worker would. */
    store: (meta: ResultMeta) => Promise<boolean>;
  }> {
    const reader = await this.backend(options);
    const writer = await this.backend(options);
    const store = (meta: ResultMeta) =>
      writer.store(meta, {
        correlationId: meta.taskId,
        ...(reader.replyTo === undefined ? {} : { replyTo: reader.replyTo }),
      });
    return { reader, writer, store };
  }

  /** A fresh task id. */
  taskId(): string {
    return randomUUID();
  }

  /** Close every backend, then run the fixture's cleanup. */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(this.#backends.map((b) => b.close().catch((e: unknown) => errors.push(e))));
    await this.fixture.cleanup?.();
    if (errors.length > 0) throw new AggregateError(errors, 'conformance test cleanup failed');
  }
}
