import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { chord, createClient, group } from '@celeriac/client';
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

  it('a group of 5 and a chord are each one trace: members and the chord body under the unit’s send, linked to what sent them', async () => {
    await using fx = new Fixture({ simulated: false });
    const w = fx.worker([
      implementTask('proj.add', async (_ctx, a: number, b: number) => a + b),
      implementTask('proj.sum', async (_ctx, values: number[]) => values.reduce((x, y) => x + y)),
    ]);
    await w.start();
    await using client = createClient({ transport: fx.producer, backend: fx.results });
    const add = (a: number, b: number) =>
      signature({ task: 'proj.add', args: [a, b], options: { queue: fx.queue } });
    const before = tracing.spans.length;
    const g = await client.send(group(add(1, 1), add(2, 2), add(3, 3), add(4, 4), add(5, 5)));
    await Promise.all(g.results.map((r) => fx.result(r.id, 'SUCCESS')));
    // The messaging spans (the executors' step spans live in their actors' own traces).
    const messaging = (from: number) =>
      tracing.spans.slice(from).filter((s) => /^(send|process) /.test(s.name));
    const groupSpans = messaging(before);
    const processes = groupSpans.filter((s) => s.name === 'process proj.add');
    expect(processes).toHaveLength(5);
    const traces = new Set(groupSpans.map((s) => s.traceId));
    expect(traces.size).toBe(1);
    for (const p of processes) {
      expect(p.attributes['messaging.message.conversation_id']).toBe(g.id);
      expect(p.links).toHaveLength(1);
    }

    const mark = tracing.spans.length;
    const c = await client.send(
      chord(
        group(add(1, 2), add(3, 4)),
        signature({ task: 'proj.sum', options: { queue: fx.queue } }),
      ),
    );
    await fx.result(c.id, 'SUCCESS');
    const chordSpans = messaging(mark);
    expect(new Set(chordSpans.map((s) => s.traceId)).size).toBe(1);
    expect(chordSpans.filter((s) => s.name === 'process proj.add')).toHaveLength(2);
    expect(chordSpans.filter((s) => s.name === 'process proj.sum')).toHaveLength(1);
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
