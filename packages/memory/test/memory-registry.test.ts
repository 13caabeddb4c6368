import {
  MemoryTransport,
  createMemoryResultBackend,
  createMemoryTransport,
  memoryBroker,
  memoryUrlName,
  resetMemoryRegistry,
} from '@celeriac/memory';
import { ErrorCode } from '@celeriac/protocol';
import { collectDeliveries, resultMeta, testMessage, uniqueName } from '@celeriac/testing';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => resetMemoryRegistry());

describe('memory:// URLs', () => {
  it.each([
    ['memory://', ''],
    ['memory:///', ''],
    ['memory://foo', 'foo'],
    ['memory://foo/bar', 'foo'],
    ['memory://Foo', 'foo'],
  ])('%s names broker %j', (url, name) => {
    expect(memoryUrlName(url)).toBe(name);
  });

  it('rejects other schemes and malformed URLs', () => {
    expect(() => memoryUrlName('redis://localhost')).toThrow(
      expect.objectContaining({ code: ErrorCode.transport }),
    );
    expect(() => memoryUrlName('not a url')).toThrow(/invalid memory URL/);
  });

  it('connects transports made from one URL to one broker, and others apart', async () => {
    const queue = uniqueName('q');
    await using producer = createMemoryTransport('memory://');
    await using consumer = createMemoryTransport();
    await using elsewhere = createMemoryTransport('memory://foo');
    await using defaulted = new MemoryTransport();
    expect(producer.broker).toBe(consumer.broker);
    expect(defaulted.broker).toBe(memoryBroker(''));
    expect(elsewhere.broker).not.toBe(producer.broker);
    expect(createMemoryTransport('memory://foo').broker).toBe(elsewhere.broker);

    await producer.declareQueue({ name: queue });
    const collector = await collectDeliveries(consumer, [queue], { autoAck: true });
    await producer.publish(testMessage('shared'), { exchange: '', routingKey: queue });
    await collector.waitForCount(1);
    expect(collector.ids()).toEqual(['shared']);
    expect(await elsewhere.queueLength(queue)).toBe(0);
    await expect(elsewhere.consume([queue], () => undefined, { prefetch: 1 })).rejects.toThrow(
      /not declared/,
    );
  });

  it('shares one result store per URL host', async () => {
    await using worker = createMemoryResultBackend('memory://shop');
    await using client = createMemoryResultBackend('memory://shop');
    await using other = createMemoryResultBackend('memory://');
    await worker.store(resultMeta('t1', 'SUCCESS', 7));
    expect((await client.get('t1')).result).toBe(7);
    expect((await other.get('t1')).status).toBe('PENDING');
  });
});
