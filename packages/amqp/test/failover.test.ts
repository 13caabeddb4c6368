/**
 * Several hosts in one broker URL (kombu's `;` list): parsing, the order hosts are tried
 * in, and failing over on start and on reconnection through TCP proxies in front of the
 * local broker (each proxy a "node" the test can cut).
 */
import {
  AmqpConnectError,
  AmqpUrlError,
  createAmqpTransport,
  parseBrokerUrl,
} from '@celeriac/amqp';
import type { AmqpTransport, AmqpTransportOptions } from '@celeriac/amqp';
import { TransportStatus } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HostRotation } from '../src/failover.js';
import { TcpProxy, closedPort, recordingLogger } from './support/rabbitmq.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function open(url: string, options: AmqpTransportOptions = {}): AmqpTransport {
  const t = createAmqpTransport(url, {
    logger: recordingLogger(),
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    ...options,
  });
  cleanup.push(() => t.close());
  return t;
}

describe('parseBrokerUrl', () => {
  it("reads kombu's list of full URLs, each with its own credentials and vhost", () => {
    const { hosts, failoverStrategy } = parseBrokerUrl(
      'amqp://a:pa@h1:5672//;amqps://b:pb@h2:5673/prod',
    );
    expect(failoverStrategy).toBeUndefined();
    expect(hosts).toEqual([
      { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'a', password: 'pa', vhost: '/' },
      {
        protocol: 'amqps',
        hostname: 'h2',
        port: 5673,
        username: 'b',
        password: 'pb',
        vhost: 'prod',
      },
    ]);
  });

  it('lets short entries inherit everything but host and port from the first', () => {
    const { hosts, failoverStrategy } = parseBrokerUrl(
      'pyamqp://u:p@h1:5673/v?heartbeat=5&failover_strategy=shuffle;h2;[::1]:5699',
    );
    expect(failoverStrategy).toBe('shuffle');
    expect(
      hosts.map((h) => [h.protocol, h.hostname, h.port, h.username, h.vhost, h.heartbeatSeconds]),
    ).toEqual([
      ['amqp', 'h1', 5673, 'u', 'v', 5],
      ['amqp', 'h2', 5673, 'u', 'v', 5],
      ['amqp', '::1', 5699, 'u', 'v', 5],
    ]);
  });

  it('refuses what it cannot read, with the password masked', () => {
    expect(() => parseBrokerUrl('amqp://u:secret@h1//;not a host')).toThrow(AmqpUrlError);
    expect(() => parseBrokerUrl('amqp://u:secret@h1//;not a host')).not.toThrow(/secret/);
    expect(() => parseBrokerUrl('amqp://u:secret@h1//?failover_strategy=random')).toThrow(
      /failover_strategy="random" is not round-robin or shuffle/,
    );
  });
});

describe('HostRotation', () => {
  const hosts = ['h1', 'h2', 'h3'].map((name) => ({ connect: {}, describe: name }));
  const names = (list: readonly { describe: string }[]) => list.map((h) => h.describe);

  it('round-robin: in order, then starting after the host that was lost', () => {
    const rotation = new HostRotation(hosts, 'round-robin');
    expect(names(rotation.order())).toEqual(['h1', 'h2', 'h3']);
    rotation.connected(hosts[1]!);
    expect(names(rotation.order())).toEqual(['h2', 'h3', 'h1']);
    rotation.lost();
    expect(names(rotation.order())).toEqual(['h3', 'h1', 'h2']);
    rotation.connected(hosts[2]!);
    rotation.lost();
    expect(names(rotation.order())).toEqual(['h1', 'h2', 'h3']);
  });

  it('shuffle: every host once, in a new random order each attempt', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const rotation = new HostRotation(hosts, 'shuffle', random);
    const orders = Array.from({ length: 20 }, () => names(rotation.order()));
    for (const order of orders) expect([...order].sort()).toEqual(['h1', 'h2', 'h3']);
    expect(new Set(orders.map((o) => o.join())).size).toBeGreaterThan(2);
  });
});

describe('a broker URL with several hosts', () => {
  it('connects to the first host that answers, and names every failed host when none does', async () => {
    const down = await closedPort();
    await using proxy = await TcpProxy.start();
    const t = open(`amqp://guest:guest@127.0.0.1:${down}//;127.0.0.1:${proxy.port}`);
    await t.connect();
    expect(t.status).toBe(TransportStatus.connected);

    const other = await closedPort();
    const none = open(`amqp://guest:pw@127.0.0.1:${down}//;127.0.0.1:${other}`);
    await expect(none.connect()).rejects.toThrow(
      new AmqpConnectError(
        `amqp://guest:****@127.0.0.1:${down}//;127.0.0.1:${other}`,
        [
          {
            host: `amqp://guest:****@127.0.0.1:${down}//`,
            reason: 'connection refused (ECONNREFUSED)',
          },
          {
            host: `amqp://guest:****@127.0.0.1:${other}//`,
            reason: 'connection refused (ECONNREFUSED)',
          },
        ],
        { retryable: true },
      ).message,
    );
  });

  it('fails over to the next host when the one it uses goes away, and consumes on', async () => {
    await using a = await TcpProxy.start();
    await using b = await TcpProxy.start();
    const logger = recordingLogger();
    const t = open(`amqp://guest:guest@127.0.0.1:${a.port}//;127.0.0.1:${b.port}`, { logger });
    const queue = `failover-${Math.random().toString(36).slice(2)}`;
    await t.declareQueue({ name: queue, durable: false, autoDelete: true });
    const got: string[] = [];
    await t.consume(
      [queue],
      (d) => {
        got.push(String(d.message.properties.correlationId));
        void d.ack();
      },
      { prefetch: 5 },
    );
    const acceptedByB = b.accepted;
    a.cut(); // node a is gone for good
    await waitFor(() => t.status === TransportStatus.reconnecting, { timeoutMs: 5000 });
    await waitFor(() => t.status === TransportStatus.connected, { timeoutMs: 5000 });
    expect(b.accepted).toBe(acceptedByB + 1);
    expect(logger.lines.at(-1)).toBe(
      `reconnected to amqp://guest:****@127.0.0.1:${b.port}// (attempt 1)`,
    );
    await t.publish(
      {
        body: new TextEncoder().encode('{}'),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {},
        properties: { correlationId: 'through-b' },
      },
      { exchange: '', routingKey: queue },
    );
    await waitFor(() => got.includes('through-b'), { timeoutMs: 5000 });
  });
});
