import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  Pidbox,
  createEvent,
  decodeControlReply,
  decodeControlRequest,
  decodeEventMessage,
  encodeControlReply,
  encodeControlRequest,
  encodeEventMessage,
  eventRoutingKey,
  matchesDestination,
  okReply,
  utcoffset,
  type ControlRequest,
} from '@celeriac/protocol';
import { jsonMessage } from './samples.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const source = { hostname: 'w1@vm', pid: 16161, clock: 25, utcoffset: 0 };

describe('events', () => {
  it('builds a task event in the key order Celery sends [captured]', () => {
    const event = createEvent(
      'task-started',
      { uuid: '8ef75834-f6fd-4807-93ec-8514b7b951a2' },
      { ...source, timestamp: 1795466437.0116024 },
    );
    const { message, routingKey } = encodeEventMessage([event]);
    expect(routingKey).toBe('task.multi');
    expect(text(message.body)).toBe(
      '[{"hostname": "w1@vm", "utcoffset": 0, "pid": 16161, "clock": 25, "uuid": "8ef75834-f6fd-4807-93ec-8514b7b951a2", "timestamp": 1795466437.0116024, "type": "task-started"}]',
    );
    expect(message.headers).toEqual({ hostname: 'w1@vm' });
    expect(message.properties.deliveryMode).toBe(1);
  });

  it('sends worker events one by one under their own routing key', () => {
    const heartbeat = createEvent(
      'worker-heartbeat',
      {
        freq: 2,
        active: 0,
        processed: 3,
        loadavg: [0.1, 0.2, 0.3],
        sw_ident: 'celeriac',
        sw_ver: '0.1.0',
        sw_sys: 'Linux',
      },
      { ...source, timestamp: 1 },
    );
    const { routingKey, message } = encodeEventMessage(heartbeat);
    expect(routingKey).toBe('worker.heartbeat');
    expect(Object.keys(heartbeat)).toEqual([
      'hostname',
      'utcoffset',
      'pid',
      'clock',
      'freq',
      'active',
      'processed',
      'loadavg',
      'sw_ident',
      'sw_ver',
      'sw_sys',
      'timestamp',
      'type',
    ]);
    expect(decodeEventMessage(message)).toEqual([heartbeat]);
  });

  it('maps types to routing keys and offsets to hours west', () => {
    expect(eventRoutingKey('task-succeeded')).toBe('task.succeeded');
    expect(eventRoutingKey('worker-elect-ack')).toBe('worker.elect.ack');
    const date = new Date();
    expect(utcoffset(date)).toBe(Math.floor(date.getTimezoneOffset() / 60));
  });

  it('decodes batches and refuses malformed events', () => {
    const batch = [
      {
        type: 'task-received',
        uuid: 'a',
        hostname: 'w',
        timestamp: 1,
        clock: 1,
        pid: 1,
        utcoffset: 0,
      },
      {
        type: 'task-started',
        uuid: 'a',
        hostname: 'w',
        timestamp: 2,
        clock: 2,
        pid: 1,
        utcoffset: 0,
      },
    ];
    expect(decodeEventMessage(jsonMessage(batch))).toHaveLength(2);
    expect(() => decodeEventMessage(jsonMessage([{ type: 'x' }, 5]))).toThrow('body[1]: an event');
    expect(() => decodeEventMessage(jsonMessage({ uuid: 'a' }))).toThrow(
      new DecodeError('body.type', 'expected a string'),
    );
    expect(() => decodeEventMessage(jsonMessage({ type: 'x', clock: '1' }))).toThrow('body.clock');
  });
});

describe('remote control', () => {
  const ping: ControlRequest = {
    method: 'ping',
    arguments: {},
    destination: null,
    pattern: null,
    matcher: null,
    ticket: 'ad6e2d7d-0901-4d7c-814a-91a6f1488d6b',
    replyTo: {
      exchange: 'reply.celery.pidbox',
      routingKey: '8b1291b6-e9ba-39a2-845b-1d45489f118b',
    },
  };

  it('encodes a request exactly like kombu [captured]', () => {
    const message = encodeControlRequest(ping, { clock: 3, timeout: 1, now: 1_000_000 });
    expect(text(message.body)).toBe(
      '{"method": "ping", "arguments": {}, "destination": null, "pattern": null, "matcher": null, "ticket": "ad6e2d7d-0901-4d7c-814a-91a6f1488d6b", "reply_to": {"exchange": "reply.celery.pidbox", "routing_key": "8b1291b6-e9ba-39a2-845b-1d45489f118b"}}',
    );
    expect(message.headers).toEqual({ clock: 3, expires: 1001 });
    expect(decodeControlRequest(message)).toEqual(ping);
  });

  it('decodes a cast without reply (revoke) [captured]', () => {
    const revoke = decodeControlRequest(
      jsonMessage(
        '{"method":"revoke","arguments":{"task_id":"9f49","terminate":false,"signal":"SIGTERM"},"destination":null,"pattern":null,"matcher":null}',
      ),
    );
    expect(revoke).toEqual({
      method: 'revoke',
      arguments: { task_id: '9f49', terminate: false, signal: 'SIGTERM' },
      destination: null,
      pattern: null,
      matcher: null,
    });
    const noTimeout = encodeControlRequest(revoke, { clock: 1 });
    expect(noTimeout.headers['expires']).toBe(0);
    expect(text(noTimeout.body)).not.toContain('ticket');
  });

  it('matches nodes by destination, glob and pcre as kombu does', () => {
    const base = { ...ping, destination: null };
    expect(matchesDestination(base, 'w1@vm')).toBe(true);
    expect(matchesDestination({ ...base, destination: ['w2@vm'] }, 'w1@vm')).toBe(false);
    expect(matchesDestination({ ...base, destination: ['w1@vm'] }, 'w1@vm')).toBe(true);
    const glob = { ...base, pattern: 'w[0-9]@*', matcher: 'glob' };
    expect(matchesDestination(glob, 'w1@vm')).toBe(true);
    expect(matchesDestination(glob, 'x1@vm')).toBe(false);
    expect(matchesDestination({ ...glob, pattern: 'w[!1]@vm' }, 'w1@vm')).toBe(false);
    expect(matchesDestination({ ...glob, pattern: 'w?@vm.celery' }, 'w1@vmXcelery')).toBe(false);
    const pcre = { ...base, pattern: 'w\\d', matcher: 'pcre' };
    expect(matchesDestination(pcre, 'w1@vm')).toBe(true);
    expect(matchesDestination(pcre, 'aw1@vm')).toBe(false);
    // A pattern without a matcher is ignored (kombu needs both).
    expect(matchesDestination({ ...base, pattern: 'nomatch' }, 'w1@vm')).toBe(true);
  });

  it('encodes and decodes replies', () => {
    const reply = encodeControlReply('w1@vm', okReply('pong'), { ticket: 't-1', clock: 9 });
    expect(text(reply.body)).toBe('{"w1@vm": {"ok": "pong"}}');
    expect(reply.properties.deliveryMode).toBe(1);
    expect(decodeControlReply(reply)).toEqual({
      hostname: 'w1@vm',
      value: { ok: 'pong' },
      ticket: 't-1',
      clock: 9,
    });
    expect(text(encodeControlReply('w3@vm', undefined, { ticket: 't', clock: 1 }).body)).toBe(
      '{"w3@vm": null}',
    );
    expect(Pidbox.queue('w1@vm')).toBe('w1@vm.celery.pidbox');
    expect(Pidbox.replyQueue('oid')).toBe('oid.reply.celery.pidbox');
  });

  it.each([
    [jsonMessage([]), 'body'],
    [jsonMessage({ arguments: {} }), 'body.method'],
    [jsonMessage({ method: 'ping', arguments: [] }), 'body.arguments'],
    [jsonMessage({ method: 'ping', destination: 5 }), 'body.destination'],
    [jsonMessage({ method: 'ping', destination: ['a', 1] }), 'body.destination[1]'],
    [jsonMessage({ method: 'ping', reply_to: 'x' }), 'body.reply_to'],
    [jsonMessage({ method: 'ping', pattern: 1 }), 'body.pattern'],
  ])('refuses a malformed request at %#', (message, path) => {
    expect(() => decodeControlRequest(message)).toThrow(
      new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `),
    );
  });

  it('refuses replies without ticket or with several nodes', () => {
    expect(() => decodeControlReply(jsonMessage({ a: 1 }))).toThrow('headers.ticket');
    expect(() => decodeControlReply(jsonMessage({ a: 1, b: 2 }, { ticket: 't' }))).toThrow(
      'body: expected exactly one node',
    );
  });
});
