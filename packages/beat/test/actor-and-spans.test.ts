// The beat's role and health in the actor tree (the inspection stream the actor spans are
// made from), and beat's own spans: one per run, one per leadership change.
import { describe, expect, it } from 'vitest';
import { createActorSystem, defineActor } from '@celeriac/actors';
import type { TransitionRecord } from '@celeriac/actors';
import { BeatAttribute } from '@celeriac/beat';
import { MemoryBeatCoordination } from '@celeriac/memory';
import { trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { beatFixture } from './support.js';

/** A tracer that records what beat opens (the SDK is not a dependency of this package). */
function recordingTracer() {
  const spans: {
    name: string;
    attributes: Attributes;
    parent: string | undefined;
    ended: boolean;
  }[] = [];
  let next = 0;
  const tracer: Tracer = {
    startSpan(name: string, options: SpanOptions = {}, context?: Context): Span {
      const parent =
        context === undefined ? undefined : trace.getSpan(context)?.spanContext().spanId;
      const spanId = (++next).toString(16).padStart(16, '0');
      const record = { name, attributes: { ...options.attributes }, parent, ended: false };
      spans.push(record);
      const base = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId, traceFlags: 1 });
      const span: Span = Object.assign(Object.create(base) as Span, {
        setAttribute: (key: string, value: Attributes[string]) => {
          record.attributes[key] = value;
          return span;
        },
        end: () => void (record.ended = true),
        isRecording: () => true,
      });
      return span;
    },
    startActiveSpan: () => {
      throw new Error('not used');
    },
  };
  return { tracer, spans };
}

describe('the beat actor', () => {
  it('shows following → leading, and degraded while the store is away, in the actor tree', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const system = createActorSystem({ clock: f.clock });
    const records: TransitionRecord[] = [];
    system.inspect((r) => r.type === 'transition' && r.path === '/shop/beat' && records.push(r));
    const parent = system.spawn(defineActor({ name: 'shop' }), { id: 'shop' });
    await parent.start();
    const coordination = new MemoryBeatCoordination({ store: f.store, broker: f.broker });
    const beat = f.replica({ system, parent, coordination });
    await beat.start();
    expect(beat.actor?.path).toBe('/shop/beat');
    await f.advance(100);
    coordination.suspend();
    await f.advance(5_000);
    coordination.resume();
    await f.advance(2_000);
    const steps = records.map((r) => `${r.to} ${r.toActivity ?? ''}`.trim());
    expect(steps).toContain('started.running.healthy following.running');
    expect(steps).toContain('started.running.healthy leading.running');
    expect(steps).toContain('started.running.degraded leading.running');
    expect(steps).toContain('started.running.degraded following.running');
    expect(steps.at(-1)).toBe('started.running.healthy leading.running');
    await beat.stop();
    await system.close();
  });

  it('opens a span per run, with the entry, the run, the epoch and the claim', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const { tracer, spans } = recordingTracer();
    const beat = f.replica({ tracer, schedule: { tick: { task: 'shop.tick', schedule: 1 } } });
    await beat.start();
    await f.advance(1_000);
    const run = spans.find((s) => s.name === 'beat run tick');
    expect(run?.attributes).toMatchObject({
      [BeatAttribute.entry]: 'tick',
      [BeatAttribute.taskName]: 'shop.tick',
      [BeatAttribute.scheduledAt]: '2026-01-01T12:00:01.000Z',
      [BeatAttribute.epoch]: 1,
      [BeatAttribute.claim]: 'claimed',
      [BeatAttribute.taskId]: beat.taskId('tick', Date.parse('2026-01-01T12:00:01Z')),
    });
    expect(run?.ended).toBe(true);
    expect(spans.find((s) => s.name === 'beat leadership')?.attributes).toMatchObject({
      [BeatAttribute.leadership]: 'acquired',
      [BeatAttribute.holder]: beat.holder,
    });
  });
});
