import { describe, expect, it } from 'vitest';
import { ExchangeType } from '@celeriac/protocol';
import { Router } from '@celeriac/client';
import { FlakyTransport, Fixture } from './support.js';

describe('routing', () => {
  it('the default queue: default exchange "" with the queue name as key; celery exchange and binding declared', async () => {
    await using fx = new Fixture();
    await fx.client.sendTask('proj.add', [1, 2]);
    const [d] = await fx.take('celery');
    expect([d!.exchange, d!.routingKey, d!.queue]).toEqual(['', 'celery', 'celery']);
    // Declared as Celery does: a message to exchange `celery` with key `celery` arrives too.
    await fx.transport.publish(d!.message, { exchange: 'celery', routingKey: 'celery' });
    expect(await fx.transport.queueLength('celery')).toBe(1);
  });

  it('exact names and glob patterns, first match wins; a string target is a queue', async () => {
    await using fx = new Fixture({
      routes: {
        'proj.add': 'math',
        'proj.email.*': { queue: 'email', priority: 6 },
        'proj.*': 'misc',
        'proj.add?': 'never',
      },
    });
    await fx.client.sendTask('proj.add');
    await fx.client.sendTask('proj.email.send');
    await fx.client.sendTask('proj.email.deep.nested');
    await fx.client.sendTask('proj.addx');
    await fx.client.sendTask('other.task');
    const [math] = await fx.take('math');
    expect(math!.message.headers['task']).toBe('proj.add');
    const email = await fx.take('email', 2);
    expect(email.map((d) => d.message.headers['task'])).toEqual([
      'proj.email.send',
      'proj.email.deep.nested',
    ]);
    expect(email[0]!.message.properties.priority).toBe(6);
    expect(email[0]!.routingKey).toBe('email');
    const [misc] = await fx.take('misc');
    expect(misc!.message.headers['task']).toBe('proj.addx');
    const [rest] = await fx.take('celery');
    expect(rest!.message.headers['task']).toBe('other.task');
  });

  it('a router function sees name, args and kwargs; a list of routers is tried in order', async () => {
    const seen: unknown[] = [];
    await using fx = new Fixture({
      routes: [
        (name, args, kwargs) => {
          seen.push([name, args, kwargs]);
          return kwargs['urgent'] === true ? { queue: 'urgent', priority: 9 } : undefined;
        },
        { 'proj.*': 'normal' },
      ],
    });
    await fx.client.sendTask('proj.job', [1], { urgent: true });
    await fx.client.sendTask('proj.job', [2], { urgent: false });
    expect(seen).toEqual([
      ['proj.job', [1], { urgent: true }],
      ['proj.job', [2], { urgent: false }],
    ]);
    const [u] = await fx.take('urgent');
    expect(u!.message.properties.priority).toBe(9);
    const [n] = await fx.take('normal');
    expect(n!.message.headers['task']).toBe('proj.job');
  });

  it('explicit options override the route, field by field (Celery lpmerge)', async () => {
    await using fx = new Fixture({ routes: { 'proj.*': { queue: 'routed', priority: 3 } } });
    await fx.client.sendTask('proj.a', [], {}, { queue: 'explicit' });
    await fx.client.sendTask('proj.b', [], {}, { priority: 8 });
    const [e] = await fx.take('explicit');
    expect(e!.message.headers['task']).toBe('proj.a');
    expect(e!.message.properties.priority).toBe(3);
    const [r] = await fx.take('routed');
    expect(r!.message.properties.priority).toBe(8);
  });

  it('a named direct exchange with an explicit routing key is published to by name', async () => {
    await using fx = new Fixture();
    const recorder = new FlakyTransport(fx.transport);
    const client = fx.makeClient({
      transport: recorder,
      queues: [{ name: 'reports', exchange: 'reporting', routingKey: 'reports.daily' }],
      routes: {
        'proj.report': { queue: 'reports', exchange: 'reporting', routingKey: 'reports.daily' },
      },
    });
    await client.sendTask('proj.report');
    expect(recorder.published[0]!.route).toEqual({
      exchange: 'reporting',
      routingKey: 'reports.daily',
    });
    const [d] = await fx.take('reports');
    expect(d!.exchange).toBe('reporting');
    await client.close();
  });

  it('only a queue (no exchange + key): the default-exchange rule, even for a named exchange', async () => {
    await using fx = new Fixture({
      queues: [{ name: 'reports', exchange: 'reporting', routingKey: 'reports.daily' }],
    });
    await fx.client.sendTask('proj.report', [], {}, { queue: 'reports' });
    const [d] = await fx.take('reports');
    expect([d!.exchange, d!.routingKey]).toEqual(['', 'reports']);
  });

  it('topic exchange: the queue binding pattern and the routed key; a non-matching key is dropped', async () => {
    await using fx = new Fixture({
      queues: [
        {
          name: 'email',
          exchange: 'notify',
          exchangeType: ExchangeType.topic,
          routingKey: 'email.#',
        },
      ],
      routes: {
        'proj.email.*': { queue: 'email', routingKey: 'email.send.welcome' },
        'proj.sms': { queue: 'email', routingKey: 'sms.send' },
      },
    });
    await fx.client.sendTask('proj.email.welcome');
    await fx.client.sendTask('proj.sms');
    const [d] = await fx.take('email');
    expect([d!.exchange, d!.routingKey]).toEqual(['notify', 'email.send.welcome']);
    expect(d!.message.headers['task']).toBe('proj.email.welcome');
    // sms.send does not match email.#: unroutable, dropped as RabbitMQ does.
    expect(await fx.transport.queueLength('email')).toBe(0);
  });

  it('a topic exchange with no routed key uses the queue binding key', () => {
    const router = new Router(
      undefined,
      [{ name: 'events', exchange: 'ev', exchangeType: ExchangeType.topic, routingKey: 'ev.*' }],
      'celery',
    );
    expect(router.resolve('t', [], {}, { queue: 'events' }).route).toEqual({
      exchange: 'ev',
      routingKey: 'ev.*',
    });
  });

  it('unknown queues are created as Queue(name, Exchange(name, direct), name)', async () => {
    await using fx = new Fixture();
    await fx.client.sendTask('t', [], {}, { queue: 'fresh' });
    const [d] = await fx.take('fresh');
    await fx.transport.publish(d!.message, { exchange: 'fresh', routingKey: 'fresh' });
    expect(await fx.transport.queueLength('fresh')).toBe(1);
    expect(new Router(undefined, undefined, 'celery').queue('fresh')).toEqual({
      queue: { name: 'fresh', durable: true },
      exchange: { name: 'fresh', type: 'direct', durable: true },
      routingKey: 'fresh',
    });
  });

  it('a declared queue without an exchange is bound to the default exchange, with its arguments', () => {
    const router = new Router(undefined, [{ name: 'prio', maxPriority: 10 }], 'celery');
    expect(router.queue('prio')).toEqual({
      queue: { name: 'prio', durable: true, maxPriority: 10 },
      exchange: { name: 'celery', type: 'direct', durable: true },
      routingKey: 'prio',
    });
  });

  it('declares a queue once per client, not per send', async () => {
    await using fx = new Fixture();
    let declares = 0;
    const counting = new FlakyTransport(fx.transport);
    counting.declareQueue = async (spec) => {
      declares++;
      return fx.transport.declareQueue(spec);
    };
    const client = fx.makeClient({ transport: counting });
    await Promise.all([client.sendTask('a'), client.sendTask('b'), client.sendTask('c')]);
    await client.sendTask('d', [], {}, { queue: 'other' });
    expect(declares).toBe(2);
    await client.close();
  });
});
