import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture } from './support.js';

/** A reader the test collects from by hand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

async function collect() {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  return (name: string) => all.find((m) => m.descriptor.name === name);
}

describe('worker metrics', () => {
  it('process duration and wait by task and outcome; active, reserved, prefetch and queue length gauges', async () => {
    await using fx = new Fixture({ simulated: false });
    const w = fx.worker(
      [
        implementTask('proj.add', (_c, a: number, b: number) => a + b),
        implementTask('proj.fail', () => {
          throw new RangeError('no');
        }),
      ],
      { concurrency: 3 },
    );
    await w.start();
    const ids = [
      await fx.send(celeryMessage('proj.add', { args: [1, 2] })),
      await fx.send(celeryMessage('proj.add', { args: [3, 4] })),
      await fx.send(celeryMessage('proj.fail')),
    ];
    for (const id of ids) await fx.result(id);
    await fx.producer.declareQueue({ name: 'other' });

    const find = await collect();
    const duration = find('messaging.process.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    const counts = Object.fromEntries(
      duration.dataPoints.map((p: DataPoint<unknown>) => [
        `${String(p.attributes['celery.task_name'])}/${String(p.attributes['celery.task.outcome'])}`,
        (p.value as { count: number }).count,
      ]),
    );
    expect(counts).toEqual({ 'proj.add/success': 2, 'proj.fail/failure': 1 });
    const failure = duration.dataPoints.find(
      (p) => p.attributes['celery.task.outcome'] === 'failure',
    )!;
    expect(failure.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.operation.name': 'process',
      'messaging.destination.name': fx.queue,
      'error.type': 'RangeError',
    });
    const wait = find('celery.task.wait')!;
    expect(wait.dataPoints.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(3);

    const gauge = (name: string) => find(name)!.dataPoints[0]!.value;
    expect(gauge('celery.worker.tasks.active')).toBe(0);
    expect(gauge('celery.worker.tasks.reserved')).toBe(0);
    expect(gauge('celery.worker.prefetch')).toBe(12);
    const lengths = find('messaging.queue.length')!.dataPoints;
    expect(lengths.map((p) => [p.attributes['messaging.destination.name'], p.value])).toEqual([
      [fx.queue, 0],
    ]);
  });
});
