/**
 * The transport's spans, span events and metrics (`telemetry.ts`), recorded by an
 * in-memory tracer and a recording meter provider: nothing here is a mock of Redis.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Attributes, Context, ContextManager, Meter, MeterProvider } from '@opentelemetry/api';
import { ROOT_CONTEXT, context, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import type { RedisTransport } from '@celeriac/redis';
import { collectDeliveries, testMessage, waitFor } from '@celeriac/testing';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

/** A meter provider that keeps every measurement (no metrics SDK is a dependency here). */
class RecordingMeterProvider implements MeterProvider {
  readonly points: { name: string; value: number; attributes: Attributes }[] = [];
  getMeter(): Meter {
    const record =
      (name: string) =>
      (value: number, attributes: Attributes = {}) => {
        this.points.push({ name, value, attributes });
      };
    return Object.assign(Object.create(createNoopMeter()) as Meter, {
      createCounter: (name: string) => ({ add: record(name) }),
      createHistogram: (name: string) => ({ record: record(name) }),
    });
  }
}

/** The active context across awaits (what `@opentelemetry/context-async-hooks` does). */
class AsyncContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const exporter = new InMemorySpanExporter();
const meters = new RecordingMeterProvider();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncContextManager());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  metrics.setGlobalMeterProvider(meters);
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  context.disable();
});

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setUp(visibilityTimeout = 3600): {
  transport: RedisTransport;
  prefix: string;
  queue: string;
} {
  const prefix = testPrefix();
  const queue = `otel-${randomUUID().slice(0, 6)}`;
  const transport = createRedisTransport(REDIS_URL, {
    globalKeyprefix: prefix,
    visibilityTimeout,
    restoreIntervalMs: 200,
    unackedMutexExpire: 1,
  });
  cleanups.push(
    () => deletePrefixed(prefix),
    () => transport.close(),
  );
  return { transport, prefix, queue };
}

const pointsFor = (name: string, queue: string) =>
  meters.points.filter(
    (p) => p.name === name && p.attributes['messaging.destination.name'] === queue,
  );

describe('telemetry', () => {
  it('publish: count, duration and an event on the active producer span', async () => {
    const { transport, queue } = setUp();
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan(`send ${queue}`, async (span) => {
      await transport.publish(testMessage('a'), { exchange: '', routingKey: queue });
      span.end();
    });
    const sent = pointsFor('messaging.client.sent.messages', queue);
    expect(sent.map((p) => p.value)).toEqual([1]);
    expect(sent[0]!.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.operation.name': 'publish',
    });
    expect(pointsFor('messaging.client.operation.duration', queue)[0]!.value).toBeGreaterThan(0);
    const producer = exporter.getFinishedSpans().find((s) => s.name === `send ${queue}`)!;
    expect(producer.events.map((e) => e.name)).toEqual(['redis publish']);
    expect(producer.events[0]!.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.destination.name': queue,
    });
  });

  it('consume and visibility restore: counters and one `redis restore` span', async () => {
    const { transport, queue } = setUp(1);
    await transport.publish(testMessage('held'), { exchange: '', routingKey: queue });
    // A consumer that never acks and never renews: its message expires and comes back.
    const holder = createRedisTransport(REDIS_URL, {
      globalKeyprefix: transport.options.globalKeyprefix,
      visibilityTimeout: 1,
      renewIntervalMs: 0,
    });
    cleanups.push(() => holder.close());
    const held = await collectDeliveries(holder, [queue], { prefetch: 1, autoAck: false });
    await held.waitForCount(1, 5000);
    await held.subscription.cancel();
    await waitFor(async () => (await transport.restoreVisible()) > 0, {
      timeoutMs: 5000,
      description: 'the expired message restored',
    });
    expect(pointsFor('messaging.client.consumed.messages', queue).map((p) => p.value)).toEqual([1]);
    expect(pointsFor('celeriac.redis.restored.messages', queue)[0]!.attributes).toMatchObject({
      'messaging.system': 'redis',
      'celeriac.redis.restore.reason': 'visibility_timeout',
    });
    const restore = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'redis restore' && s.attributes['celeriac.redis.restored'] === 1);
    expect(restore?.attributes).toMatchObject({ 'messaging.system': 'redis' });
  });

  it('a malformed message is counted', async () => {
    const { transport, prefix, queue } = setUp();
    const redis = rawClient();
    cleanups.push(() => redis.disconnect());
    await redis.lpush(prefix + queue, 'not json');
    const collector = await collectDeliveries(transport, [queue], { prefetch: 0, autoAck: true });
    cleanups.push(() => collector.subscription.cancel());
    await waitFor(
      () =>
        meters.points.some(
          (p) =>
            p.name === 'celeriac.redis.malformed.messages' &&
            p.attributes['messaging.destination.name'] === queue,
        ),
      { timeoutMs: 5000, description: 'the malformed counter' },
    );
  });

  it('an outage of the command connection is one `redis reconnect` span', async () => {
    const { transport, queue } = setUp();
    await transport.connect();
    const redis = rawClient();
    cleanups.push(() => redis.disconnect());
    const list = (await redis.client('LIST')) as string;
    const id = list
      .split('\n')
      .find((line) => line.includes(`name=celeriac:${transport.id}:cmd`))
      ?.match(/(?:^| )id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await redis.client('KILL', 'ID', id!);
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === 'redis reconnect'), {
      timeoutMs: 5000,
      description: 'the reconnect span, ended once the connection is back',
    });
    expect(transport.status).toBe('connected');
    await transport.publish(testMessage('after'), { exchange: '', routingKey: queue });
    const reconnects = exporter.getFinishedSpans().filter((s) => s.name === 'redis reconnect');
    expect(reconnects.length).toBeGreaterThan(0);
    expect(reconnects[0]!.attributes).toMatchObject({ 'messaging.system': 'redis' });
  });
});
