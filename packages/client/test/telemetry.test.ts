import { describe, expect, it } from 'vitest';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ConnectionLostError, PublishError } from '@celeriac/protocol';
import { useTracing } from './otel.js';
import { FlakyTransport, Fixture } from './support.js';

const { exporter, provider, tracer } = useTracing('client-test');

describe('telemetry', () => {
  it('a PRODUCER span `send <destination>` with messaging attributes; traceparent as a top-level header', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer, server: { address: 'broker.local', port: 5672 } });
    const result = await fx.client.sendTask('proj.add', [1, 2], {}, { queue: 'math' });
    const [span] = exporter.getFinishedSpans();
    expect(span).toBeDefined();
    expect(span!.name).toBe('send math');
    expect(span!.kind).toBe(SpanKind.PRODUCER);
    expect(span!.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 'math',
      'messaging.message.id': result.id,
      'messaging.message.conversation_id': result.id,
      'server.address': 'broker.local',
      'server.port': 5672,
      'celery.action': 'apply_async',
      'celery.task_name': 'proj.add',
      'celery.task.name': 'proj.add',
      'celery.exchange': '',
      'celery.root_id': result.id,
    });
    const { delivery, task } = await fx.takeTask('math');
    const { traceId, spanId } = span!.spanContext();
    // Where opentelemetry-instrumentation-celery reads it: a top-level header.
    expect(delivery.message.headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
    expect(task.headers.extraHeaders['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
  });

  it('the send span is a child of the active span and continues its trace', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer });
    const parent = tracer.startSpan('POST /orders');
    await context.with(trace.setSpan(ROOT_CONTEXT, parent), () =>
      fx.client.sendTask('proj.child', [], {}, { headers: { traceparent: 'caller-value' } }),
    );
    parent.end();
    const send = exporter
      .getFinishedSpans()
      .find((s) => s.attributes['celery.task_name'] === 'proj.child')!;
    expect(send.name).toBe('send celery');
    expect(send.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(send.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const { delivery } = await fx.takeTask();
    // The worker's CONSUMER span will be the send span's child; the injected context
    // replaces a caller-supplied traceparent header.
    expect(delivery.message.headers['traceparent']).toBe(
      `00-${parent.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
  });

  it('a failed publish ends the span with ERROR status and the exception recorded', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer, publishRetry: { maxRetries: 2, intervalStep: 0 } });
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(5, () => new ConnectionLostError('gone'));
    const client = fx.makeClient({
      transport: flaky,
      tracer,
      publishRetry: { maxRetries: 2, intervalStep: 0 },
    });
    await expect(client.sendTask('proj.fail')).rejects.toBeInstanceOf(ConnectionLostError);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('ConnectionLostError');
    expect(span!.status.message).toMatch(/cannot send task proj.fail\[.*\]: gone/);
    expect(span!.attributes['celery.publish.retries']).toBe(2);
    expect(span!.events.map((e) => e.name)).toContain('exception');
    await client.close();
  });

  it('the default tracer comes from the global provider', async () => {
    exporter.reset();
    trace.setGlobalTracerProvider(provider);
    try {
      await using fx = new Fixture();
      await fx.client.sendTask('proj.global');
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['send celery']);
      expect(exporter.getFinishedSpans()[0]!.instrumentationScope.name).toBe('@celeriac/client');
    } finally {
      trace.disable();
    }
  });

  it('without a propagator nothing is injected, and sending still works', async () => {
    propagation.disable();
    try {
      await using fx = new Fixture({ tracer });
      await fx.client.sendTask('proj.plain');
      const { delivery } = await fx.takeTask();
      expect(delivery.message.headers['traceparent']).toBeUndefined();
    } finally {
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });

  it('an unroutable exchange is a PublishError with the task in the message', async () => {
    await using fx = new Fixture({ tracer });
    const error = await fx.client
      .sendTask('proj.x', [], {}, { exchange: 'nowhere', routingKey: 'k', taskId: 'i1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/^cannot send task proj.x\[i1\]: /);
  });
});
