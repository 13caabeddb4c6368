import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  decodeBody,
  decodeControlRequest,
  matchesDestination,
} from '@celeriac/protocol';
import { ClientState, createClient } from '@celeriac/client';
import { Fixture } from './support.js';

describe('revoke', () => {
  it("broadcasts Celery's revoke cast on the celery.pidbox fanout exchange", async () => {
    const now = new Date('2026-03-01T12:00:00.500Z');
    await using fx = new Fixture({ now: () => now });
    // A worker's mailbox queue, bound to the fanout exchange.
    await fx.consumer.declareExchange({ name: 'celery.pidbox', type: 'fanout', durable: false });
    await fx.consumer.declareQueue({ name: 'w1@host.celery.pidbox', autoDelete: true });
    await fx.consumer.bindQueue({
      queue: 'w1@host.celery.pidbox',
      exchange: 'celery.pidbox',
      routingKey: '',
    });

    const result = await fx.client.sendTask('proj.long');
    await result.revoke({ terminate: true, signal: 'SIGKILL' });
    await fx.client.revoke(['a', 'b']);

    const [first, second] = await fx.take('w1@host.celery.pidbox', 2);
    expect(first!.exchange).toBe('celery.pidbox');
    expect(first!.routingKey).toBe('');
    expect(decodeBody(first!.message)).toEqual({
      method: 'revoke',
      arguments: { task_id: result.id, terminate: true, signal: 'SIGKILL' },
      destination: null,
      pattern: null,
      matcher: null,
    });
    expect(first!.message.headers).toEqual({ clock: 1, expires: now.getTime() / 1000 + 1 });
    expect(first!.message.properties).toMatchObject({ deliveryMode: 2 });
    expect(first!.message.contentType).toBe('application/json');
    expect(decodeBody(second!.message)).toMatchObject({
      arguments: { task_id: ['a', 'b'], terminate: false, signal: 'SIGTERM' },
    });
    expect(second!.message.headers['clock']).toBe(2);
    // A worker reading it with the protocol's decoder acts on it.
    const request = decodeControlRequest(first!.message);
    expect(request.ticket).toBeUndefined();
    expect(matchesDestination(request, 'w1@host')).toBe(true);
  });

  it('destination limits it to the named workers', async () => {
    await using fx = new Fixture();
    await fx.consumer.declareExchange({ name: 'celery.pidbox', type: 'fanout', durable: false });
    await fx.consumer.declareQueue({ name: 'mb', autoDelete: true });
    await fx.consumer.bindQueue({ queue: 'mb', exchange: 'celery.pidbox', routingKey: '' });
    await fx.client.revoke('t1', { destination: ['w2@host'] });
    const [d] = await fx.take('mb');
    const request = decodeControlRequest(d!.message);
    expect(request.destination).toEqual(['w2@host']);
    expect(matchesDestination(request, 'w1@host')).toBe(false);
  });

  it('with no worker listening the broadcast goes nowhere, without error', async () => {
    await using fx = new Fixture();
    await expect(fx.client.revoke('t1')).resolves.toBeUndefined();
  });
});

describe('client lifecycle', () => {
  it('close() is idempotent, waits for sends in flight, then refuses with ClosedError', async () => {
    await using fx = new Fixture();
    const client = fx.makeClient();
    const inFlight = client.sendTask('proj.a');
    const closing = client.close();
    expect(client.state).toBe(ClientState.closing);
    expect(client.close()).toBe(closing);
    await expect(client.sendTask('proj.b')).rejects.toBeInstanceOf(ClosedError);
    await expect(client.revoke('x')).rejects.toThrow('client is closed');
    await inFlight;
    await closing;
    expect(client.state).toBe(ClientState.closed);
    expect(await fx.transport.queueLength('celery')).toBe(1);
  });

  it('does not close the transport or backend it was given, unless it owns them', async () => {
    await using fx = new Fixture();
    await fx.makeClient().close();
    expect(fx.transport.status).not.toBe('closed');
    await fx.backend.get('x');

    const owner = createClient({
      transport: fx.consumer,
      backend: fx.backend,
      ownTransport: true,
      ownBackend: true,
    });
    await owner.sendTask('proj.a');
    await owner.close();
    expect(fx.consumer.status).toBe('closed');
    await expect(fx.backend.get('x')).rejects.toBeInstanceOf(ClosedError);
  });

  it('await using closes the client', async () => {
    await using fx = new Fixture();
    let escaped;
    {
      await using client = fx.makeClient();
      escaped = client;
      await client.sendTask('t');
    }
    expect(escaped.state).toBe(ClientState.closed);
  });

  it('a closed transport surfaces as ClosedError', async () => {
    await using fx = new Fixture();
    const client = fx.makeClient({ transport: fx.consumer, publishRetry: false });
    await fx.consumer.close();
    await expect(client.sendTask('t')).rejects.toBeInstanceOf(ClosedError);
    await client.close();
  });

  it('origin defaults to gen<pid>@<hostname>; the oid is a uuid3 unique per client', async () => {
    await using fx = new Fixture();
    const a = fx.makeClient({ hostname: 'box' });
    const b = fx.makeClient({ hostname: 'box' });
    expect(a.origin).toBe(`gen${process.pid}@box`);
    expect(a.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.oid).not.toBe(b.oid);
    await a.close();
    await b.close();
  });
});
