import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
import { createWorker, implementTask, silentLogger, WorkerState } from '@celeriac/worker';

function parts() {
  const url = `memory://ownership-${randomUUID()}`;
  return { transport: createMemoryTransport(url), backend: createMemoryResultBackend(url) };
}

describe('worker ownership of its connections', () => {
  it('closes an owned transport and backend once stopped, then settles `finished`', async () => {
    const { transport, backend } = parts();
    const worker = createWorker({
      transport,
      backend,
      tasks: [implementTask('t.noop', () => null)],
      logger: silentLogger,
      ownTransport: true,
      ownBackend: true,
    });
    await worker.start();
    expect(transport.status).toBe('connected');
    await worker.stop();
    expect(transport.status).toBe('closed');
    await expect(worker.finished).resolves.toBe(WorkerState.stopped);
  });

  it('leaves connections it does not own open', async () => {
    const { transport, backend } = parts();
    const worker = createWorker({ transport, backend, tasks: [], logger: silentLogger });
    await worker.start();
    await worker.stop();
    await expect(worker.finished).resolves.toBe(WorkerState.stopped);
    expect(transport.status).toBe('connected');
    await transport.close();
    await backend.close();
  });

  it('settles `finished` when stopped before it was started', async () => {
    const { transport, backend } = parts();
    const worker = createWorker({ transport, backend, tasks: [], logger: silentLogger });
    await worker.stop();
    await expect(worker.finished).resolves.toBe(WorkerState.stopped);
  });
});
