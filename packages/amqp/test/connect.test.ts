/**
 * The connect contract shared by every transport: `connect()` makes one attempt over the
 * URL's hosts, rejects with a one-line `TransportError` naming the masked URL and the
 * cause, logs nothing, can be called again, and is aborted promptly by `close()`.
 */
import { AmqpConnectError, createAmqpTransport } from '@celeriac/amqp';
import type { AmqpTransport, AmqpTransportOptions } from '@celeriac/amqp';
import { ClosedError, ErrorCode, TransportError, TransportStatus } from '@celeriac/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AMQP_URL,
  SilentServer,
  TcpProxy,
  closedPort,
  recordingLogger,
} from './support/rabbitmq.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function open(url: string, options: AmqpTransportOptions = {}): AmqpTransport {
  const t = createAmqpTransport(url, { logger: recordingLogger(), ...options });
  cleanup.push(() => t.close());
  return t;
}

describe('connect()', () => {
  it('makes one attempt and rejects with one line naming the masked URL and the cause', async () => {
    const port = await closedPort();
    const logger = recordingLogger();
    const t = open(`amqp://guest:s3cret@127.0.0.1:${port}//`, { logger });
    const statuses: string[] = [];
    t.onStatus((e) => statuses.push(e.status));
    const started = performance.now();
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(AmqpConnectError);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: ErrorCode.transport, retryable: true });
    const message = (error as Error).message;
    expect(message).toBe(
      `Could not connect to amqp://guest:****@127.0.0.1:${port}//: connection refused (ECONNREFUSED)`,
    );
    expect(message).not.toContain('s3cret');
    expect(logger.lines).toEqual([]);
    expect(statuses).toEqual([TransportStatus.connecting, TransportStatus.idle]);
    expect(t.status).toBe(TransportStatus.idle);
  });

  it('tries again when called again, and connects once the broker is reachable', async () => {
    await using proxy = await TcpProxy.start();
    proxy.cut();
    const logger = recordingLogger();
    const t = open(proxy.url(), { logger });
    await expect(t.connect()).rejects.toBeInstanceOf(AmqpConnectError);
    expect(proxy.accepted).toBe(1);
    await expect(t.connect()).rejects.toBeInstanceOf(AmqpConnectError);
    expect(proxy.accepted).toBe(2);
    proxy.restore();
    await t.connect();
    expect(proxy.accepted).toBe(3);
    expect(t.status).toBe(TransportStatus.connected);
    expect(logger.lines).toEqual([]);
  });

  it('bounds a host that never answers by connectTimeoutMs', async () => {
    await using server = await SilentServer.start();
    const t = open(server.url(), { connectTimeoutMs: 300 });
    const started = performance.now();
    await expect(t.connect()).rejects.toThrow(
      /^Could not connect to amqp:\/\/guest:\*\*\*\*@127\.0\.0\.1:\d+\/\/: no answer within 300 ms$/,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('is aborted promptly by close(), which releases the socket', async () => {
    await using server = await SilentServer.start();
    const t = open(server.url(), { connectTimeoutMs: 60_000 });
    const connecting = t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    while (server.accepted === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = performance.now();
    await t.close();
    const error = await connecting;
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(ClosedError);
    while (server.open > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(t.status).toBe(TransportStatus.closed);
  });

  it('fails an operation that needed the connection with the same error', async () => {
    const port = await closedPort();
    const t = open(`amqp://guest:guest@127.0.0.1:${port}//`);
    await expect(t.queueLength('anything')).rejects.toBeInstanceOf(AmqpConnectError);
  });

  it('says bad credentials are not worth retrying', async () => {
    const t = open(AMQP_URL.replace('guest:guest', 'guest:wrong'));
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AmqpConnectError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(
      /^Could not connect to amqp:\/\/guest:\*\*\*\*@.*ACCESS_REFUSED/,
    );
    expect((error as Error).message).not.toContain('\n');
  });
});
