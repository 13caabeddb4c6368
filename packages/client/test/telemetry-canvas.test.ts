import { describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { decodeTaskMessage, signature } from '@celeriac/protocol';
import { chain, chord, group } from '@celeriac/client';
import { useTracing } from './otel.js';
import { Fixture } from './support.js';

const { exporter, tracer } = useTracing('client-canvas-test');

const task = (name: string, queue?: string) =>
  signature({ task: name, ...(queue === undefined ? {} : { options: { queue } }) });

/** The unit span and its member spans, by parent. */
function unitAndMembers(spans: readonly ReadableSpan[]) {
  const unit = spans.find((s) => s.attributes['celery.canvas'] !== undefined)!;
  const members = spans.filter((s) => s.parentSpanContext?.spanId === unit.spanContext().spanId);
  return { unit, members };
}

describe('a group or chord is one unit', () => {
  it('group: one `send` span around its members’ sends; members share the group id as conversation id and keep Celery’s own root ids', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer });
    const g = await fx.client.send(group(task('a'), task('b'), task('c')));
    const { unit, members } = unitAndMembers(exporter.getFinishedSpans());
    expect(unit.name).toBe('send celery');
    expect(unit.kind).toBe(SpanKind.PRODUCER);
    expect(unit.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'celery',
      'messaging.batch.message_count': 3,
      'messaging.message.conversation_id': g.id,
      'celery.group_id': g.id,
      'celery.canvas': 'group',
    });
    expect(members.map((m) => m.attributes['celery.task_name']).sort()).toEqual(['a', 'b', 'c']);
    for (const member of members) {
      expect(member.spanContext().traceId).toBe(unit.spanContext().traceId);
      expect(member.attributes).toMatchObject({
        'messaging.message.conversation_id': g.id,
        'celery.group_id': g.id,
      });
      expect(member.attributes['celery.root_id']).toBe(member.attributes['messaging.message.id']);
    }
    // On the wire as Celery 5.2 sends a group: the group id, each member its own root id,
    // and each member's own traceparent.
    const tasks = (await fx.take('celery', 3)).map((d) => decodeTaskMessage(d.message));
    for (const t of tasks)
      expect([t.headers.group, t.headers.rootId]).toEqual([g.id, t.headers.id]);
    const parents = tasks.map((t) => String(t.headers.extraHeaders['traceparent']).split('-')[2]);
    expect(new Set(parents)).toEqual(new Set(members.map((m) => m.spanContext().spanId)));
  });

  it('chord: the unit spans the header; members carry group, index and the chord id; mixed queues name it `send`', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer });
    const r = await fx.client.send(chord([task('h1', 'q1'), task('h2', 'q2')], task('body')));
    const { unit, members } = unitAndMembers(exporter.getFinishedSpans());
    expect(unit.name).toBe('send');
    expect(unit.attributes['messaging.destination.name']).toBeUndefined();
    expect(unit.attributes).toMatchObject({
      'celery.canvas': 'chord',
      'messaging.batch.message_count': 2,
    });
    const gid = unit.attributes['celery.group_id'];
    expect(members.map((m) => m.name).sort()).toEqual(['send q1', 'send q2']);
    const [h1] = (await fx.take('q1')).map((d) => decodeTaskMessage(d.message));
    expect(h1!.headers).toMatchObject({ group: gid, groupIndex: 0, rootId: h1!.headers.id });
    expect(h1!.embed.chord?.options.task_id).toBe(r.id);
  });

  it('a chain starting with a group is a chord unit; a plain chain is one send; a failed member fails the unit', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer });
    await fx.client.send(chain(group(task('a'), task('b')), task('sum')));
    expect(unitAndMembers(exporter.getFinishedSpans()).unit.attributes['celery.canvas']).toBe(
      'chord',
    );
    exporter.reset();
    const flow = await fx.client.send(chain(task('x'), task('y')));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['send celery']);
    expect(spans[0]!.attributes['messaging.message.conversation_id']).not.toBe(flow.id);
    expect(spans[0]!.attributes['messaging.message.conversation_id']).toBe(
      spans[0]!.attributes['messaging.message.id'],
    );
    exporter.reset();
    const refused = fx.client.send(
      group(
        task('ok'),
        signature({ task: 'bad', options: { exchange: 'nowhere', routing_key: 'k' } }),
      ),
    );
    await expect(refused).rejects.toThrow(/cannot send task bad/);
    const { unit } = unitAndMembers(exporter.getFinishedSpans());
    expect(unit.status.code).toBe(SpanStatusCode.ERROR);
    expect(unit.attributes['error.type']).toBe('PublishError');
  });

  it('links given to a send (a chord body linking its header parts) are on its span, never on the wire', async () => {
    exporter.reset();
    await using fx = new Fixture({ tracer });
    const parts = [tracer.startSpan('process part 0'), tracer.startSpan('process part 1')];
    for (const part of parts) part.end();
    const links = parts.map((part) => ({ context: part.spanContext() }));
    await fx.client.sendSignature(task('body'), { args: [[1, 2]], links });
    const send = exporter
      .getFinishedSpans()
      .find((s) => s.attributes['celery.task_name'] === 'body')!;
    expect(send.links.map((l) => l.context.spanId)).toEqual(
      parts.map((p) => p.spanContext().spanId),
    );
    const { delivery, task: sent } = await fx.takeTask();
    expect(JSON.stringify(sent)).not.toContain(parts[0]!.spanContext().spanId);
    expect(JSON.stringify(delivery.message.headers)).not.toContain('links');
  });
});
