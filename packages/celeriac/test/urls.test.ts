import { describe, expect, it } from 'vitest';
import {
  BrokerScheme,
  UnsupportedUrlError,
  brokerScheme,
  createResultBackend,
  createTransport,
  defaultBackendUrl,
} from 'celeriac';

describe('broker and backend URLs', () => {
  it('knows each broker family', () => {
    expect(brokerScheme('memory://')).toBe(BrokerScheme.memory);
    expect(brokerScheme('redis://localhost:6379/0')).toBe(BrokerScheme.redis);
    expect(brokerScheme('rediss://h:6380/1')).toBe(BrokerScheme.redis);
    expect(brokerScheme('amqp://guest:guest@localhost//')).toBe(BrokerScheme.amqp);
    expect(brokerScheme('amqps://h/vh')).toBe(BrokerScheme.amqp);
    // Replicated Redis: kombu's Sentinel list and celeriac's Cluster seeds.
    expect(brokerScheme('sentinel://s1:26379;sentinel://s2:26379/0?master_name=m')).toBe(
      BrokerScheme.redis,
    );
    expect(brokerScheme('redis+cluster://h1:7000;h2:7001')).toBe(BrokerScheme.redis);
  });

  it('makes Sentinel and Cluster transports and backends from their URLs', async () => {
    const sentinel = await createTransport('sentinel://127.0.0.1:26399/0?master_name=m');
    expect(sentinel.kind).toBe('redis');
    const cluster = await createResultBackend('redis+cluster://127.0.0.1:7999', 'memory://');
    expect(cluster.kind).toBe('redis');
    await sentinel.close();
    await cluster.close();
  });

  it('refuses an unknown scheme, naming it and hiding the password', () => {
    expect(() => brokerScheme('sqs://user:secret@host')).toThrow(UnsupportedUrlError);
    expect(() => brokerScheme('sqs://user:secret@host')).toThrow(/sqs:\/\/user:\*\*\*\*@host/);
    expect(() => brokerScheme('sqs://user:secret@host')).not.toThrow(/secret/);
  });

  it('implies a result backend from the broker', () => {
    expect(defaultBackendUrl('memory://x')).toBe('memory://x');
    expect(defaultBackendUrl('redis://h:6379/2')).toBe('redis://h:6379/2');
    expect(defaultBackendUrl('amqp://h//')).toBe('rpc://');
  });

  it('creates the transport and backend of each family', async () => {
    const memory = await createTransport('memory://urls-test');
    expect(memory.kind).toBe('memory');
    const redis = await createTransport('redis://127.0.0.1:6379/0');
    expect(redis.kind).toBe('redis');
    const amqp = await createTransport('amqp://guest:guest@127.0.0.1:5672//');
    expect(amqp.kind).toBe('amqp');
    const backend = await createResultBackend('redis://127.0.0.1:6379/0', 'memory://');
    expect(backend.kind).toBe('redis');
    await Promise.all([memory.close(), redis.close(), amqp.close(), backend.close()]);
  });

  it('refuses rpc:// without an AMQP broker', async () => {
    await expect(createResultBackend('rpc://', 'redis://127.0.0.1:6379/0')).rejects.toThrow(
      /rpc:\/\/ only with an amqp:\/\/ broker/,
    );
  });
});

describe('ConnectError', () => {
  it('names the URL once, whatever the driver’s message says', async () => {
    const { ConnectError } = await import('../src/errors.js');
    const cases: [string, string, string][] = [
      [
        'amqp://guest:guest@h:5672//',
        'Could not connect to amqp://guest:****@h:5672//: connection refused (ECONNREFUSED)',
        'cannot connect to the broker at amqp://guest:****@h:5672//: connection refused (ECONNREFUSED)',
      ],
      [
        'redis://:pw@h:6379/0',
        'Cannot connect to Redis at redis://:***@h:6379/0: connect ECONNREFUSED 1.2.3.4:6379',
        'cannot connect to the broker at redis://:****@h:6379/0: connect ECONNREFUSED 1.2.3.4:6379',
      ],
      [
        'redis://h:6379/0',
        'connect ETIMEDOUT\n    at stack',
        'cannot connect to the broker at redis://h:6379/0: connect ETIMEDOUT',
      ],
    ];
    for (const [url, reason, message] of cases) {
      expect(new ConnectError('broker', url, new Error(reason)).message).toBe(message);
    }
  });
});
