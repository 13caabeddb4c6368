import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BrokerMessage } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { inspector } from './pidbox-caller.js';
import { celeryMessage, Fixture, waitFor } from './support.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (m: BrokerMessage): unknown => JSON.parse(decoder.decode(m.body));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('remote control over the pidbox', () => {
  it('answers ping, registered, active, stats, and unknown commands as Celery does', async () => {
    await using fx = new Fixture();
    const g = gate();
    const w = fx.worker(
      [implementTask('proj.wait', async () => g.opened), implementTask('proj.add', async () => 1)],
      { control: true },
    );
    await w.start();
    const inspect = await inspector(fx);
    expect(await inspect.call('ping')).toEqual({ 'w1@test': { ok: 'pong' } });
    expect(await inspect.call('registered')).toEqual({ 'w1@test': ['proj.add', 'proj.wait'] });
    const id = await fx.send(celeryMessage('proj.wait', { args: [1] }));
    await waitFor(() => w.inspect.active().length === 1);
    const active = (await inspect.call('active'))['w1@test'] as Record<string, unknown>[];
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({
      id,
      name: 'proj.wait',
      args: [1],
      type: 'proj.wait',
      hostname: 'w1@test',
      acknowledged: true,
      delivery_info: { exchange: '', routing_key: fx.queue, priority: 0, redelivered: false },
      worker_pid: process.pid,
    });
    const stats = (await inspect.call('stats'))['w1@test'] as Record<string, unknown>;
    expect(stats).toMatchObject({ pid: process.pid, prefetch_count: 40 });
    expect(typeof stats.clock).toBe('string');
    expect(await inspect.call('nosuch_cmd')).toEqual({
      'w1@test': { error: "KeyError('nosuch_cmd')" },
    });
    g.open();
    await fx.result(id, 'SUCCESS');
    expect(((await inspect.call('stats'))['w1@test'] as { total: unknown }).total).toEqual({
      'proj.wait': 1,
    });
  });

  it('revoke with terminate, rate_limit and destination filtering', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.stuck', () => new Promise(() => {}))], {
      control: { allowUnsigned: true },
    });
    await w.start();
    const inspect = await inspector(fx);
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    expect(
      await inspect.call('revoke', { task_id: id, terminate: true, signal: 'SIGTERM' }),
    ).toEqual({
      'w1@test': { ok: `tasks ${id} flagged as revoked` },
    });
    expect((await fx.result(id, 'REVOKED')).result).toMatchObject({ excMessage: ['terminated'] });
    expect(await inspect.call('revoked')).toEqual({ 'w1@test': [id] });
    expect(
      await inspect.call('rate_limit', { task_name: 'proj.stuck', rate_limit: '5/m' }),
    ).toEqual({
      'w1@test': { ok: 'new rate limit set successfully' },
    });
    expect(
      await inspect.call('registered', { taskinfoitems: ['rate_limit'] }, ['w1@test']),
    ).toEqual({ 'w1@test': ['proj.stuck [rate_limit=5/m]'] });
  });
});

describe('remote control: time_limit and shutdown', () => {
  it('time_limit changes a task limits at runtime; shutdown stops the worker warm', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.stuck', () => new Promise(() => {}))], {
      control: { allowUnsigned: true },
    });
    await w.start();
    const inspect = await inspector(fx);
    expect(
      await inspect.call('time_limit', { task_name: 'proj.stuck', hard: 3, soft: null }),
    ).toEqual({ 'w1@test': { ok: 'time limits set successfully' } });
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    await fx.clock.advance(3_000);
    expect((await fx.result(id, 'FAILURE')).result).toMatchObject({ excType: 'TimeLimitExceeded' });
    await fx.producer.publish(
      {
        body: encoder.encode(
          JSON.stringify({ method: 'shutdown', arguments: {}, destination: ['w1@test'] }),
        ),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {},
        properties: {},
      },
      { exchange: 'celery.pidbox', routingKey: '' },
    );
    await waitFor(() => w.state === 'stopped');
    expect(fx.logged('warn').some((l) => l.message === 'Got shutdown from remote')).toBe(true);
  });
});

describe('events', () => {
  it('sends worker-online, heartbeats and batched task events on celeryev', async () => {
    await using fx = new Fixture();
    const monitor = `celeryev.${randomUUID()}`;
    await fx.producer.declareExchange({ name: 'celeryev', type: 'topic', durable: true });
    await fx.producer.declareQueue({ name: monitor, autoDelete: true });
    await fx.producer.bindQueue({ queue: monitor, exchange: 'celeryev', routingKey: '#' });
    const events: { key: string; body: unknown }[] = [];
    await fx.producer.consume(
      [monitor],
      (d) => {
        events.push({ key: d.routingKey, body: json(d.message) });
        void d.ack();
      },
      { prefetch: 0 },
    );
    const w = fx.worker([implementTask('proj.add', async (_c, a: number, b: number) => a + b)], {
      events: { heartbeatIntervalMs: 2000 },
    });
    await w.start();
    await waitFor(() => events.some((e) => e.key === 'worker.online'));
    const id = await fx.send(celeryMessage('proj.add', { args: [2, 3] }));
    await fx.result(id, 'SUCCESS');
    await fx.clock.advance(2000);
    await waitFor(() => events.some((e) => e.key === 'worker.heartbeat'));
    await waitFor(() =>
      events
        .filter((e) => e.key === 'task.multi')
        .flatMap((e) => e.body as Record<string, unknown>[])
        .some((e) => e.type === 'task-succeeded'),
    );
    const all = events
      .filter((e) => e.key === 'task.multi')
      .flatMap((e) => e.body as Record<string, unknown>[]);
    expect(all.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(all[0]).toMatchObject({
      uuid: id,
      name: 'proj.add',
      args: '[2,3]',
      hostname: 'w1@test',
    });
    expect(all[2]).toMatchObject({ uuid: id, result: '5' });
    const heartbeat = events.find((e) => e.key === 'worker.heartbeat')!.body as Record<
      string,
      unknown
    >;
    expect(heartbeat).toMatchObject({
      type: 'worker-heartbeat',
      freq: 2,
      hostname: 'w1@test',
      processed: 1,
    });
    await w.stop();
    await waitFor(() => events.some((e) => e.key === 'worker.offline'));
  });
});

describe('connection health', () => {
  it('pauses consuming while the transport reconnects, resumes after', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)]);
    await w.start();
    const transport = fx.transports[0]!;
    transport.reportStatus('reconnecting');
    await waitFor(() => w.tree.consumerState === 'paused');
    const id = await fx.send(celeryMessage('proj.t'));
    await new Promise((r) => setTimeout(r, 30));
    expect(await fx.producer.queueLength(fx.queue)).toBe(1);
    transport.reportStatus('connected');
    await fx.result(id, 'SUCCESS');
  });
});
