/**
 * The control client's own behaviour, against real celeriac workers on memory://:
 * replies matched by ticket (concurrent calls on one reply queue), `destination`,
 * `limit` and the silence timeout, casts, `onReply`, the request signer hook, argument
 * errors that broadcast nothing, and the lifecycle (ClosedError, `client.control`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  decodeBody,
  decodeControlRequest,
  type Delivery,
  type Transport,
} from '@celeriac/protocol';
import {
  ControlArgumentError,
  ControlState,
  createClient,
  createControl,
  isChangingCommand,
  isErrorReply,
} from '@celeriac/client';
import type { Worker } from '@celeriac/worker';
import { memoryCase, startCeleriacWorker, type BrokerCase } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two celeriac workers, `w1@test` and `w2@test`, on one memory broker. */
async function twoWorkers(): Promise<{ broker: BrokerCase; workers: Worker[] }> {
  const broker = memoryCase();
  const workers = [
    await startCeleriacWorker(broker, { queue: 'q1', hostname: 'w1@test' }),
    await startCeleriacWorker(broker, { queue: 'q2', hostname: 'w2@test' }),
  ];
  cleanups.push(async () => {
    for (const worker of workers) await worker.stop();
  });
  return { broker, workers };
}

/** Every pidbox request published on `transport`, as a worker's mailbox would see it. */
async function capturePidbox(transport: Transport): Promise<Delivery[]> {
  const seen: Delivery[] = [];
  await transport.connect();
  await transport.declareExchange({ name: 'celery.pidbox', type: 'fanout', durable: false });
  await transport.declareQueue({ name: 'spy.celery.pidbox', autoDelete: true });
  await transport.bindQueue({
    queue: 'spy.celery.pidbox',
    exchange: 'celery.pidbox',
    routingKey: '',
  });
  const subscription = await transport.consume(
    ['spy.celery.pidbox'],
    (d) => {
      seen.push(d);
      void d.ack();
    },
    { prefetch: 0 },
  );
  cleanups.push(() => subscription.cancel());
  return seen;
}

describe('control client (celeriac workers on memory://)', () => {
  it('pings every worker; destination asks one and stops waiting at its reply', async () => {
    const { broker } = await twoWorkers();
    await using control = createControl({ transport: broker.transport(), ownTransport: true });
    expect(await control.ping({ timeoutMs: 300 })).toEqual({
      'w1@test': { ok: 'pong' },
      'w2@test': { ok: 'pong' },
    });
    const started = performance.now();
    const one = await control.ping({ destination: ['w2@test'], timeoutMs: 10_000 });
    expect(one).toEqual({ 'w2@test': { ok: 'pong' } });
    // limit = number of destinations: it did not wait out the 10 s.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await control.ping({ limit: 1, timeoutMs: 10_000 })).toSatisfy(
      (replies: object) => Object.keys(replies).length === 1,
    );
    expect(await control.ping({ pattern: 'w1@*', timeoutMs: 300 })).toEqual({
      'w1@test': { ok: 'pong' },
    });
  });

  it('concurrent calls share one reply queue and each gets only its own replies', async () => {
    const { broker } = await twoWorkers();
    await using control = createControl({ transport: broker.transport(), ownTransport: true });
    const inspect = control.inspect({ timeoutMs: 300 });
    const [pongs, registered, clocks, stats] = await Promise.all([
      inspect.ping(),
      inspect.registered(),
      inspect.clock(),
      inspect.stats(),
    ]);
    expect(Object.keys(pongs).sort()).toEqual(['w1@test', 'w2@test']);
    expect(registered['w1@test']).toEqual(['mon.add', 'mon.fail', 'mon.sleep']);
    expect(clocks['w2@test']).toSatisfy(
      (c: unknown) => typeof (c as { clock: unknown }).clock === 'number',
    );
    expect(stats['w1@test']).toMatchObject({ pid: process.pid, pool: { 'max-concurrency': 2 } });
  });

  it('an unknown command is answered with Celery’s KeyError reply; onReply sees each reply', async () => {
    const { broker } = await twoWorkers();
    await using control = createControl({ transport: broker.transport(), ownTransport: true });
    const seen: string[] = [];
    const replies = await control.broadcast('nosuch', {
      reply: true,
      timeoutMs: 300,
      onReply: (node) => seen.push(node),
    });
    expect(replies).toEqual({
      'w1@test': { error: "KeyError('nosuch')" },
      'w2@test': { error: "KeyError('nosuch')" },
    });
    expect(isErrorReply(replies['w1@test'])).toBe(true);
    expect(seen.sort()).toEqual(['w1@test', 'w2@test']);
  });

  it('changing commands are casts by default and act; reply: true returns each {ok}', async () => {
    const { broker } = await twoWorkers();
    await using control = createControl({ transport: broker.transport(), ownTransport: true });
    await expect(control.rateLimit('mon.add', '10/s')).resolves.toEqual({});
    const limited = control.inspect({ destination: ['w1@test', 'w2@test'] });
    await expect
      .poll(() => limited.registered('rate_limit'))
      .toEqual({
        'w1@test': ['mon.add [rate_limit=10/s]', 'mon.fail', 'mon.sleep'],
        'w2@test': ['mon.add [rate_limit=10/s]', 'mon.fail', 'mon.sleep'],
      });
    expect(
      await control.timeLimit('mon.sleep', {
        soft: 5,
        hard: 10,
        reply: true,
        destination: ['w1@test'],
      }),
    ).toEqual({ 'w1@test': { ok: 'time limits set successfully' } });
    expect(await control.revoke(['t-1', 't-2'], { reply: true, timeoutMs: 300 })).toEqual({
      'w1@test': { ok: 'tasks t-1, t-2 flagged as revoked' },
      'w2@test': { ok: 'tasks t-1, t-2 flagged as revoked' },
    });
    expect((await control.inspect({ timeoutMs: 300 }).revoked())['w2@test']).toEqual(
      expect.arrayContaining(['t-1', 't-2']),
    );
  });

  it('writes Celery’s request: method, arguments in Celery’s names, destination, ticket, reply_to', async () => {
    const broker = memoryCase();
    const seen = await capturePidbox(broker.transport());
    const now = new Date('2026-05-01T10:00:00Z');
    await using control = createControl({
      transport: broker.transport(),
      oid: 'oid-1',
      now: () => now,
    });
    await control.addConsumer('extra', {
      routingKey: 'extra.#',
      exchangeType: 'topic',
      destination: ['a@h'],
    });
    await control.inspect({ timeoutMs: 50 }).queryTask('id-1', 'id-2');
    await expect.poll(() => seen.length).toBe(2);
    expect(decodeBody(seen[0]!.message)).toEqual({
      method: 'add_consumer',
      arguments: { queue: 'extra', exchange: null, exchange_type: 'topic', routing_key: 'extra.#' },
      destination: ['a@h'],
      pattern: null,
      matcher: null,
    });
    expect(seen[0]!.message.headers).toEqual({ clock: 1, expires: now.getTime() / 1000 + 1 });
    const query = decodeControlRequest(seen[1]!.message);
    expect(query).toMatchObject({
      method: 'query_task',
      arguments: { ids: ['id-1', 'id-2'] },
      replyTo: { exchange: 'reply.celery.pidbox', routingKey: 'oid-1' },
    });
    expect(query.ticket).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.message.headers['expires']).toBe(now.getTime() / 1000 + 0.05);
  });

  it('the signer hook sees every request and what it returns is published', async () => {
    const broker = memoryCase();
    const seen = await capturePidbox(broker.transport());
    const signed: string[] = [];
    await using control = createControl({
      transport: broker.transport(),
      sign: (message, request) => {
        signed.push(`${request.method}:${isChangingCommand(request.method)}`);
        return { ...message, headers: { ...message.headers, 'x-signed': request.method } };
      },
    });
    await control.shutdown({ destination: ['nobody@h'] });
    await control.inspect({ timeoutMs: 50 }).ping();
    await expect.poll(() => seen.length).toBe(2);
    expect(signed).toEqual(['shutdown:true', 'ping:false']);
    expect(seen.map((d) => d.message.headers['x-signed'])).toEqual(['shutdown', 'ping']);
  });

  it('refuses options no worker could act on with one clear line, broadcasting nothing', async () => {
    const broker = memoryCase();
    const seen = await capturePidbox(broker.transport());
    await using control = createControl({ transport: broker.transport() });
    const cases: [Promise<unknown>, string][] = [
      [
        control.ping({ destination: 'w1@test' as unknown as string[] }),
        "cannot broadcast ping: destination must be a list of node names, got 'w1@test'",
      ],
      [
        control.ping({ destination: [] }),
        'cannot broadcast ping: destination must list node names',
      ],
      [
        control.ping({ timeoutMs: 0 }),
        'cannot broadcast ping: timeoutMs must be a positive number, got 0',
      ],
      [
        control.ping({ limit: 0.5 }),
        'cannot broadcast ping: limit must be a positive integer, got 0.5',
      ],
      [
        control.poolGrow(1, { matcher: 'regex' as 'glob', pattern: 'x' }),
        "cannot broadcast pool_grow: matcher must be 'glob' or 'pcre', got 'regex'",
      ],
      [control.broadcast(''), 'the command must be a non-empty name'],
    ];
    for (const [call, message] of cases) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ControlArgumentError);
      expect((error as Error).message).toContain(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(0);
  });

  it('close waits for calls in flight, then refuses with ClosedError; client.control is closed with the client', async () => {
    const { broker } = await twoWorkers();
    const transport = broker.transport();
    const control = createControl({ transport, ownTransport: true });
    const inFlight = control.ping({ timeoutMs: 200 });
    const closing = control.close();
    expect(control.state).toBe(ControlState.closing);
    expect(control.close()).toBe(closing);
    await expect(control.ping()).rejects.toBeInstanceOf(ClosedError);
    expect(Object.keys(await inFlight)).toHaveLength(2);
    await closing;
    expect(control.state).toBe(ControlState.closed);
    expect(transport.status).toBe('closed');

    const clientTransport = broker.transport();
    const client = createClient({ transport: clientTransport, control: { timeoutMs: 200 } });
    expect(client.control).toBe(client.control);
    expect(Object.keys(await client.control.ping())).toEqual(
      expect.arrayContaining(['w1@test', 'w2@test']),
    );
    await client.close();
    expect(client.control.state).toBe(ControlState.closed);
    await expect(client.control.ping()).rejects.toBeInstanceOf(ClosedError);
    await clientTransport.close();
  });
});
