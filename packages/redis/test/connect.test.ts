/**
 * The connect contract shared by every transport: `connect()` makes one attempt and
 * rejects with a one-line `TransportError` naming the masked URL and the cause, logging
 * nothing; calling it again tries again; `close()` during an attempt ends it at once.
 * The same holds for the result backend.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, TransportError, TransportStatus } from '@celeriac/protocol';
import {
  RedisConnectionError,
  createRedisResultBackend,
  createRedisTransport,
} from '@celeriac/redis';
import { freePort } from '@celeriac/testing';
import { startRedisServer } from './support/private-redis.js';

let cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  vi.restoreAllMocks();
});

/** Everything the process could log through: none of it may be called. */
function spyOnLogs() {
  return [
    vi.spyOn(console, 'error'),
    vi.spyOn(console, 'warn'),
    vi.spyOn(console, 'log'),
    vi.spyOn(process, 'emitWarning'),
  ];
}

/** A TCP server that accepts connections and never answers (a Redis that hangs). */
async function silentServer(): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { port: address.port, server };
}

const kinds = [
  {
    name: 'transport',
    make: (url: string) => createRedisTransport(url, { redis: { connectTimeout: 2000 } }),
  },
  {
    name: 'result backend',
    make: (url: string) => createRedisResultBackend(url, { redis: { connectTimeout: 2000 } }),
  },
] as const;

describe.each(kinds)('$name connect()', ({ make }) => {
  it('makes one attempt and rejects with one line naming the masked URL and the cause; again tries again', async () => {
    const logs = spyOnLogs();
    const port = await freePort();
    const url = `redis://:hunter2@127.0.0.1:${port}/0`;
    const handle = make(url);
    cleanups.push(() => handle.close());

    const started = performance.now();
    const error = await handle.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect(error).toBeInstanceOf(TransportError);
    const message = (error as Error).message;
    expect(message).toBe(
      `Cannot connect to Redis at redis://:***@127.0.0.1:${port}/0: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(message).not.toContain('hunter2');
    expect((error as RedisConnectionError).retryable).toBe(true);
    if ('status' in handle) expect(handle.status).toBe(TransportStatus.idle);

    // Nothing retries behind the caller's back: still refused a moment later, no log line.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const spy of logs) expect(spy).not.toHaveBeenCalled();

    // A second call is a new attempt: the server is there now.
    await using server = await startRedisServer(port, ['--requirepass', 'hunter2']);
    void server;
    await handle.connect();
    if ('status' in handle) expect(handle.status).toBe(TransportStatus.connected);
    for (const spy of logs) expect(spy).not.toHaveBeenCalled();
  });

  it('close() during an attempt ends it promptly with ClosedError', async () => {
    const { port } = await silentServer();
    const handle = make(`redis://127.0.0.1:${port}/0`);
    const connecting = handle.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await handle.close();
    const error = await connecting;
    expect(performance.now() - started).toBeLessThan(200);
    expect(error).toBeInstanceOf(ClosedError);
    if ('status' in handle) expect(handle.status).toBe(TransportStatus.closed);
  });

  it('a wrong password is one clear line too', async () => {
    const port = await freePort();
    await using server = await startRedisServer(port, ['--requirepass', 'right']);
    void server;
    const handle = make(`redis://:wrong@127.0.0.1:${port}/0`);
    cleanups.push(() => handle.close());
    await expect(handle.connect()).rejects.toThrow(
      new RegExp(
        `^Cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: WRONGPASS`,
      ),
    );
  });
});
