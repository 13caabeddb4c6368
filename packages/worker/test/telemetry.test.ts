import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { createClient } from '@celeriac/client';
import { signature } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { TRACER_NAME } from '../src/telemetry.js';
import { celeryMessage, Fixture } from './support.js';
import { installRecordingTracing } from './recording-tracer.js';

let tracing: ReturnType<typeof installRecordingTracing>;
beforeAll(() => {
  tracing = installRecordingTracing();
});
afterAll(() => tracing.uninstall());

describe('telemetry', () => {
  it('the CONSUMER span is a child of the PRODUCER span carried in traceparent, and the handler runs inside it', async () => {
    await using fx = new Fixture();
    let activeInHandler: string | undefined;
    const w = fx.worker([
      implementTask('proj.add', async (_ctx, a: number, b: number) => {
        activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
        return a + b;
      }),
    ]);
    await w.start();
    // What the client does: a PRODUCER span, injected into the message headers.
    const producer = trace
      .getTracer('test-client')
      .startSpan('send proj.add', { kind: SpanKind.PRODUCER });
    const headers: Record<string, unknown> = {};
    propagation.inject(trace.setSpan(context.active(), producer), headers);
    producer.end();
    const id = await fx.send(celeryMessage('proj.add', { args: [1, 2], headers }));
    await fx.result(id, 'SUCCESS');
    const consumer = tracing.spans.find((s) => s.name === 'process proj.add')!;
    expect(consumer).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId: producer.spanContext().traceId,
      parentSpanId: producer.spanContext().spanId,
      ended: true,
    });
    expect(consumer.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.operation.type': 'process',
      'messaging.destination.name': fx.queue,
      'messaging.message.id': id,
      'celery.task.name': 'proj.add',
      'celery.task.outcome': 'success',
    });
    expect(activeInHandler).toBe(consumer.spanId);
  });

  it('one trace from the client: send (PRODUCER) → process (CONSUMER) → link callback send → process', async () => {
    await using fx = new Fixture();
    const w = fx.worker([
      implementTask('proj.add', async (_ctx, a: number, b: number) => a + b),
      implementTask('proj.log', async () => null),
    ]);
    await w.start();
    await using client = createClient({ transport: fx.producer });
    const result = await client.sendTask(
      'proj.add',
      [2, 2],
      {},
      {
        queue: fx.queue,
        link: signature({ task: 'proj.log', options: { queue: fx.queue, task_id: 'log-1' } }),
      },
    );
    await fx.result(result.id, 'SUCCESS');
    await fx.result('log-1', 'SUCCESS');
    // The client names its spans `send <destination>`; the task name is an attribute.
    const sendOf = (task: string) =>
      tracing.spans.findLast((s) => s.attributes['celery.task_name'] === task)!;
    const send = sendOf('proj.add');
    const processAdd = tracing.spans.find(
      (s) => s.name === 'process proj.add' && s.attributes['messaging.message.id'] === result.id,
    )!;
    const sendLog = sendOf('proj.log');
    const processLog = tracing.spans.find((s) => s.name === 'process proj.log')!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(processAdd.parentSpanId).toBe(send.spanId);
    expect(sendLog.parentSpanId).toBe(processAdd.spanId);
    expect(processLog.parentSpanId).toBe(sendLog.spanId);
    for (const span of [processAdd, sendLog, processLog]) expect(span.traceId).toBe(send.traceId);
  });

  it('marks failed executions as errors', async () => {
    await using fx = new Fixture();
    const w = fx.worker([
      implementTask('proj.fail', async () => {
        throw new Error('bad');
      }),
    ]);
    await w.start();
    const id = await fx.send(celeryMessage('proj.fail'));
    await fx.result(id, 'FAILURE');
    const span = tracing.spans.find(
      (s) => s.name === 'process proj.fail' && s.attributes['messaging.message.id'] === id,
    )!;
    expect(span.status).toMatchObject({ code: 2, message: 'bad' });
    expect(span.attributes['celery.task.outcome']).toBe('failure');
  });

  it('asks the SDK for its tracer once per provider, not per execution', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.add', async (_ctx, a: number, b: number) => a + b)]);
    await w.start();
    const asked = () => tracing.tracerRequests.filter((name) => name === TRACER_NAME).length;
    await fx.result(await fx.send(celeryMessage('proj.add', { args: [1, 1] })), 'SUCCESS');
    const before = asked();
    for (let i = 0; i < 5; i++) {
      await fx.result(await fx.send(celeryMessage('proj.add', { args: [i, i] })), 'SUCCESS');
    }
    expect(asked()).toBe(before);
    const processed = tracing.spans.filter((s) => s.name === 'process proj.add');
    expect(processed.length).toBeGreaterThanOrEqual(6);
  });
});
