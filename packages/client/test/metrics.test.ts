import { describe, expect, it } from 'vitest';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { ConnectionLostError } from '@celeriac/protocol';
import { MAX_ATTRIBUTE_VALUES } from '@celeriac/client';
import { FlakyTransport, Fixture } from './support.js';

/** A reader the test collects from by hand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('client-metrics-test');
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const find = (name: string) => metrics.find((m) => m.descriptor.name === name);
    return { find };
  };
  return { meter, collect };
}

describe('client metrics', () => {
  it('messaging.client.sent.messages ({message}) and operation.duration (s) per send, with the conventions’ attributes', async () => {
    const { meter, collect } = setup();
    await using fx = new Fixture({ meter, server: { address: 'broker.local', port: 6379 } });
    await fx.client.sendTask('proj.add', [1, 2], {}, { queue: 'math' });
    await fx.client.sendTask('proj.add', [3, 4], {}, { queue: 'math' });
    await fx.client.sendTask('proj.mail', [], {}, { queue: 'email' });
    const { find } = await collect();
    const sent = find('messaging.client.sent.messages')!;
    expect(sent.descriptor.unit).toBe('{message}');
    const byDestination = Object.fromEntries(
      sent.dataPoints.map((p: DataPoint<unknown>) => [
        `${String(p.attributes['messaging.destination.name'])}/${String(p.attributes['celery.task_name'])}`,
        p.value,
      ]),
    );
    expect(byDestination).toEqual({ 'math/proj.add': 2, 'email/proj.mail': 1 });
    expect(sent.dataPoints[0]!.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'math',
      'celery.task_name': 'proj.add',
      'server.address': 'broker.local',
      'server.port': 6379,
    });
    const duration = find('messaging.client.operation.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    const point = duration.dataPoints[0]!.value as {
      count: number;
      sum: number;
      buckets: { boundaries: number[] };
    };
    expect(point.count).toBe(2);
    expect(point.sum).toBeGreaterThan(0);
    expect(point.sum).toBeLessThan(5); // seconds, not milliseconds
    expect(point.buckets.boundaries.slice(0, 3)).toEqual([0.005, 0.01, 0.025]);
  });

  it('a failed send is counted with error.type', async () => {
    const { meter, collect } = setup();
    await using fx = new Fixture({ meter });
    const flaky = new FlakyTransport(fx.transport);
    const client = fx.makeClient({ meter, transport: flaky, publishRetry: false });
    flaky.failNext(1, () => new ConnectionLostError('gone'));
    await expect(client.sendTask('proj.lost')).rejects.toBeInstanceOf(ConnectionLostError);
    await client.close();
    const { find } = await collect();
    const [point] = find('messaging.client.sent.messages')!.dataPoints;
    expect(point!.attributes['error.type']).toBe('ConnectionLostError');
    expect(point!.value).toBe(1);
  });

  it('destination and task name values are bounded: past the limit they are _OTHER', async () => {
    const { meter, collect } = setup();
    await using fx = new Fixture({ meter });
    // One per test file's process: earlier tests here used 2 destinations and 3 names.
    for (let i = 0; i < MAX_ATTRIBUTE_VALUES + 5; i++) {
      await fx.client.sendTask(`proj.t${i}`, [], {}, { queue: `q${i}` });
    }
    const { find } = await collect();
    const points = find('messaging.client.sent.messages')!.dataPoints;
    const destinations = new Set(points.map((p) => p.attributes['messaging.destination.name']));
    const names = new Set(points.map((p) => p.attributes['celery.task_name']));
    expect(destinations.size).toBeLessThanOrEqual(MAX_ATTRIBUTE_VALUES + 1);
    expect(destinations.has('_OTHER')).toBe(true);
    expect(names.size).toBeLessThanOrEqual(MAX_ATTRIBUTE_VALUES + 1);
    expect(names.has('_OTHER')).toBe(true);
  });
});
