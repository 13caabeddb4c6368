import { createAmqpTransport } from '@celeriac/amqp';
import type { AmqpTransport } from '@celeriac/amqp';
import type { Attributes, Meter, MeterProvider } from '@opentelemetry/api';
import { createNoopMeter, metrics, trace } from '@opentelemetry/api';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import { testMessage, waitFor } from '@celeriac/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URL, closeConnectionsNamed, recordingLogger, unique } from './support/rabbitmq.js';

/** A meter provider that keeps every measurement (no metrics SDK is a dependency here). */
class RecordingMeterProvider implements MeterProvider {
  readonly points: { name: string; value: number; attributes: Attributes }[] = [];
  getMeter(): Meter {
    const noop = createNoopMeter();
    const record =
      (name: string) =>
      (value: number, attributes: Attributes = {}) => {
        this.points.push({ name, value, attributes });
      };
    return Object.assign(Object.create(noop) as Meter, {
      createCounter: (name: string) => ({ add: record(name) }),
      createHistogram: (name: string) => ({ record: record(name) }),
    });
  }
}

const exporter = new InMemorySpanExporter();
const meters = new RecordingMeterProvider();
beforeAll(() => {
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  metrics.setGlobalMeterProvider(meters);
});
afterAll(() => {
  trace.disable();
  metrics.disable();
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function open(name?: string): AmqpTransport {
  const t = createAmqpTransport(AMQP_URL, {
    logger: recordingLogger(),
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    ...(name === undefined ? {} : { connectionName: name }),
  });
  cleanup.push(() => t.close());
  return t;
}

describe('telemetry', () => {
  it('records each confirmed publish: count and confirm duration, by destination', async () => {
    const t = open();
    const queue = unique('otel');
    await t.declareQueue({ name: queue, durable: false });
    cleanup.push(() => t.deleteQueue(queue));
    for (let i = 0; i < 3; i++)
      await t.publish(testMessage(`m${i}`), { exchange: '', routingKey: queue });
    const mine = meters.points.filter((p) => p.attributes['messaging.destination.name'] === queue);
    const sent = mine.filter((p) => p.name === 'messaging.client.sent.messages');
    const durations = mine.filter((p) => p.name === 'messaging.client.operation.duration');
    expect(sent.map((p) => p.value)).toEqual([1, 1, 1]);
    expect(sent[0]!.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'publish',
    });
    expect(sent[0]!.attributes['error.type']).toBeUndefined();
    expect(durations).toHaveLength(3);
    for (const d of durations) expect(d.value).toBeGreaterThan(0);
  });

  it('records a refused publish with error.type', async () => {
    const t = open();
    const exchange = unique('missing-exchange');
    await expect(t.publish(testMessage('x'), { exchange, routingKey: 'k' })).rejects.toThrow();
    const failed = meters.points.find(
      (p) =>
        p.name === 'messaging.client.sent.messages' &&
        p.attributes['messaging.destination.name'] === exchange,
    );
    expect(failed?.attributes['error.type']).toBe('failed');
  });

  it('spans an outage from the lost connection to the restored one', async () => {
    const name = unique('otel-reconnect');
    const t = open(name);
    await t.connect();
    expect(await closeConnectionsNamed(name)).toBe(1);
    await waitFor(() => t.status === 'connected' && exporter.getFinishedSpans().length > 0, {
      timeoutMs: 10_000,
      description: 'the reconnect span ended',
    });
    const span = exporter
      .getFinishedSpans()
      .find(
        (s) =>
          s.name === 'rabbitmq reconnect' &&
          /test: forced close|CONNECTION_FORCED/.test(
            String(s.attributes['celeriac.amqp.lost_reason']),
          ),
      );
    expect(span).toBeDefined();
    expect(span!.attributes['celeriac.amqp.attempts']).toBeGreaterThanOrEqual(1);
    expect(meters.points.some((p) => p.name === 'celeriac.amqp.connection.reconnections')).toBe(
      true,
    );
  });
});
