import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signControlRequest, type BrokerMessage } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { inspector } from './pidbox-caller.js';
import { Fixture, waitFor } from './support.js';

const KEY = 'a-control-key-of-32-bytes-000000';

describe('remote control authorization', () => {
  it('without a key: inspect and ping answered, changing commands refused and logged, the worker keeps running', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)], { control: true });
    await w.start();
    const caller = await inspector(fx);
    expect(await caller.call('ping')).toEqual({ 'w1@test': { ok: 'pong' } });
    expect(await caller.call('registered')).toEqual({ 'w1@test': ['proj.t'] });
    const refused = await caller.call('shutdown');
    expect(String((refused['w1@test'] as { error: string }).error)).toMatch(
      /^refused control command "shutdown" from caller [\w-]+: no-key/,
    );
    const warnings = fx.logged('warn').map((l) => l.message);
    expect(warnings.filter((m) => m.includes('"shutdown"'))).toHaveLength(1);
    expect(w.state).toBe('running');
  });

  it('with a key: signed commands run, unsigned, tampered and replayed ones are refused', async () => {
    await using fx = new Fixture({ simulated: false });
    const w = fx.worker([implementTask('proj.t', async () => 1)], { control: { key: KEY } });
    await w.start();
    let last: BrokerMessage | undefined;
    const signed = await inspector(fx, (m) => (last = signControlRequest(m, KEY)));
    expect(await signed.call('rate_limit', { task_name: 'proj.t', rate_limit: '5/m' })).toEqual({
      'w1@test': { ok: 'new rate limit set successfully' },
    });

    const unsigned = await inspector(fx);
    const refusal = (r: Record<string, unknown>) => (r['w1@test'] as { error?: string }).error;
    expect(
      refusal(await unsigned.call('rate_limit', { task_name: 'proj.t', rate_limit: '1/s' })),
    ).toMatch(/unsigned/);
    const wrongKey = await inspector(fx, (m) =>
      signControlRequest(m, 'another-key-of-32-bytes-00000000'),
    );
    expect(refusal(await wrongKey.call('disable_events'))).toMatch(/bad-signature/);
    const old = await inspector(fx, (m) =>
      signControlRequest(m, KEY, { now: Date.now() - 120_000 }),
    );
    expect(refusal(await old.call('disable_events'))).toMatch(/outside-window/);
    // The same signed message again (a replay inside the window).
    await fx.producer.publish(last!, { exchange: 'celery.pidbox', routingKey: '' });
    await waitFor(() => fx.logged('warn').some((l) => l.message.includes('replayed')));
    expect(w.state).toBe('running');
    expect(await unsigned.call('ping')).toEqual({ 'w1@test': { ok: 'pong' } });
  });

  it('allowUnsigned runs unsigned changing commands (Celery fleets)', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)], {
      control: { allowUnsigned: true },
    });
    await w.start();
    const caller = await inspector(fx);
    expect(await caller.call('disable_events')).toEqual({
      'w1@test': { ok: 'task events disabled' },
    });
  });
});

describe('actor tree (contract 6)', () => {
  it('answers actor_tree with the supervision tree and its executors', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)], {
      control: true,
      concurrency: 2,
    });
    await w.start();
    const caller = await inspector(fx);
    const reply = (await caller.call('actor_tree'))['w1@test'] as {
      root: { path: string; state: string; children: { path: string; children: unknown[] }[] };
    };
    expect(reply.root.path).toBe('/w1@test');
    expect(reply.root.state).toBe('started');
    const parts = reply.root.children.map((c) => c.path.split('/').pop());
    expect(parts).toEqual(expect.arrayContaining(['connection', 'pool', 'consumer', 'control']));
    const pool = reply.root.children.find((c) => c.path.endsWith('/pool'))!;
    expect(pool.children).toHaveLength(2);
  });

  it('sends actor-transition events, kept while publishing fails and sent in order after', async () => {
    await using fx = new Fixture({ simulated: false });
    const monitor = `celeryev.${randomUUID()}`;
    await fx.producer.declareExchange({ name: 'celeryev', type: 'topic', durable: true });
    await fx.producer.declareQueue({ name: monitor, autoDelete: true });
    await fx.producer.bindQueue({ queue: monitor, exchange: 'celeryev', routingKey: 'actor.#' });
    const seen: Record<string, unknown>[] = [];
    await fx.producer.consume(
      [monitor],
      (d) => {
        seen.push(JSON.parse(new TextDecoder().decode(d.message.body)) as Record<string, unknown>);
        void d.ack();
      },
      { prefetch: 0 },
    );
    const w = fx.worker([implementTask('proj.t', async () => 1)], { events: true });
    await w.start();
    await waitFor(() => seen.some((e) => e.type === 'actor-transition'));
    expect(seen[0]).toMatchObject({ type: 'actor-transition', hostname: 'w1@test' });
    const transport = fx.transports[0]!;
    transport.failPublish = new Error('broker gone');
    const before = seen.length;
    transport.reportStatus('reconnecting');
    await waitFor(() => w.tree.consumerState === 'paused');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBe(before);
    transport.failPublish = undefined;
    transport.reportStatus('connected');
    await waitFor(() => seen.length > before + 1, { timeoutMs: 5000 });
    const after = seen.slice(before).map((e) => `${String(e.path)}:${String(e.to)}`);
    const connection = after.filter((t) => t.includes('/connection:'));
    expect(connection.some((t) => /degraded/.test(t))).toBe(true);
    expect(connection.at(-1)).toMatch(/healthy/);
  });
});
