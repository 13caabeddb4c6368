import { afterEach, describe, expect, it } from 'vitest';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ActorAttributes, defineActor, defineSupervisor } from '@celeriac/actors';
import { harness } from './helpers.js';

function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { exporter, provider };
}

const transitionsOf = (span: ReadableSpan) =>
  span.events
    .filter((e) => e.name === 'transition')
    .map(
      (e) =>
        `${String(e.attributes?.[ActorAttributes.from])}→${String(e.attributes?.[ActorAttributes.to])}`,
    );

describe('telemetry', () => {
  afterEach(() => {
    trace.disable();
  });

  it('one span per lifetime, with the actor attributes and an event per transition', async () => {
    const { exporter, provider } = tracing();
    const { system } = harness({ tracerProvider: provider });
    const actor = system.spawn(defineActor({ name: 'plain' }), { id: 'a' });
    await actor.start();
    actor.reportHealth('degraded');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await actor.stop();
    const [span, ...rest] = exporter.getFinishedSpans();
    expect(rest).toHaveLength(0);
    expect(span!.name).toBe('actor plain');
    expect(span!.attributes).toMatchObject({
      [ActorAttributes.id]: 'a',
      [ActorAttributes.path]: '/a',
      [ActorAttributes.state]: 'stopped',
      [ActorAttributes.restarts]: 0,
    });
    expect(transitionsOf(span!)).toEqual([
      'initializing→starting.dependencies',
      'starting.dependencies→starting.resources',
      'starting.resources→starting.tasks',
      'starting.tasks→started.running.healthy',
      'started.running.healthy→started.running.degraded',
      'started.running.degraded→stopping.tasks',
      'stopping.tasks→stopping.resources',
      'stopping.resources→stopping.dependencies',
      'stopping.dependencies→stopped',
    ]);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a crash ends the span with an error; a restart opens a new one; restart() while started is an event', async () => {
    const { exporter, provider } = tracing();
    const { system } = harness({ tracerProvider: provider });
    let fail = true;
    const def = defineActor({
      name: 'flaky',
      resources: {
        r: {
          acquire: () => {
            if (fail) throw new Error('down');
            return 1;
          },
        },
      },
    });
    const actor = system.spawn(def, { id: 'f' });
    await actor.start().catch(() => undefined);
    const [crashed] = exporter.getFinishedSpans();
    expect(crashed!.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(crashed!.attributes[ActorAttributes.state]).toBe('crashed');
    expect(crashed!.events.some((e) => e.name === 'exception')).toBe(true);
    fail = false;
    await actor.restart();
    await actor.restart();
    await actor.stop();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(spans[1]!.attributes[ActorAttributes.restarts]).toBe(2);
    expect(spans[1]!.events.filter((e) => e.name === 'restart')).toHaveLength(1);
    expect(transitionsOf(spans[1]!)).toContain('started.running.healthy→restarting.stopping.tasks');
  });

  it("nests supervised children's spans under the supervisor's span", async () => {
    const { exporter, provider } = tracing();
    const { system } = harness({ tracerProvider: provider });
    const sup = system.spawn(
      defineSupervisor({
        name: 'pool',
        children: [
          { id: 'e1', actor: defineActor({ name: 'executor' }) },
          { id: 'e2', actor: defineActor({ name: 'executor' }) },
        ],
      }),
      { id: 'pool' },
    );
    await sup.start();
    await sup.stop();
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'actor pool')!;
    const children = spans
      .filter((s) => s.name === 'actor executor')
      .sort((x, y) =>
        String(x.attributes[ActorAttributes.path]).localeCompare(
          String(y.attributes[ActorAttributes.path]),
        ),
      );
    expect(children.map((s) => s.attributes[ActorAttributes.path])).toEqual([
      '/pool/e1',
      '/pool/e2',
    ]);
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
    }
  });

  it('uses the globally registered provider by default', async () => {
    const { exporter, provider } = tracing();
    trace.setGlobalTracerProvider(provider);
    const { system } = harness();
    const actor = system.spawn(defineActor({ name: 'global' }), { id: 'g' });
    await actor.start();
    await actor.stop();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['actor global']);
  });
});
